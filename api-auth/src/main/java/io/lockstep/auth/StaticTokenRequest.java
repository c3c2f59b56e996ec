package io.lockstep.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A bearer token that is not a JWT, to be matched against the configured static tokens. */
public final class StaticTokenRequest extends BaseAuthenticationRequest {

    private final String token;

    public StaticTokenRequest(String token) {
        this.token = token;
    }

    String token() {
        return token;
    }

    @Override
    public String toString() {
        return "StaticTokenRequest[token=***]";
    }
}
