package io.lockstep.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Matches a static API token against the configured SHA-256 hashes ({@link AuthConfig}). Only hashes are held;
 * comparisons take constant time. A configuration error (bad hash, unknown role) stops the service (coordinator or
 * notifier) at start.
 */
@ApplicationScoped
public class StaticTokenIdentityProvider implements IdentityProvider<StaticTokenRequest> {

    /** Marks identities from static tokens (the attribute's value is the token's name). */
    public static final String TOKEN_NAME_ATTRIBUTE = "lockstep.token-name";

    private record Entry(String name, byte[] sha256, String role) {}

    private final List<Entry> entries;

    @Inject
    public StaticTokenIdentityProvider(AuthConfig config) {
        this(config.tokens());
    }

    StaticTokenIdentityProvider(Map<String, AuthConfig.Token> tokens) {
        this.entries = tokens.entrySet().stream()
                .map(StaticTokenIdentityProvider::entry)
                .toList();
    }

    private static Entry entry(Map.Entry<String, AuthConfig.Token> e) {
        String hex = e.getValue().sha256().trim().toLowerCase(Locale.ROOT);
        if (!hex.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("lockstep.auth.tokens." + e.getKey()
                    + ".sha256 must be 64 hex digits (the SHA-256 of the token; deploy/local/token prints one)");
        }
        String role = e.getValue().role().trim().toLowerCase(Locale.ROOT);
        if (!Roles.isRole(role)) {
            throw new IllegalArgumentException("lockstep.auth.tokens." + e.getKey() + ".role must be one of "
                    + Roles.ALL + ", not '" + e.getValue().role() + "'");
        }
        return new Entry(e.getKey(), HexFormat.of().parseHex(hex), role);
    }

    @Override
    public Class<StaticTokenRequest> getRequestType() {
        return StaticTokenRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(StaticTokenRequest request, AuthenticationRequestContext context) {
        byte[] presented = sha256(request.token());
        Entry match = null;
        for (Entry entry : entries) { // no early exit: the time taken does not depend on which entry matched
            if (MessageDigest.isEqual(entry.sha256(), presented)) {
                match = entry;
            }
        }
        if (match == null) {
            return Uni.createFrom().failure(new AuthenticationFailedException("the bearer token is not valid"));
        }
        return Uni.createFrom()
                .item(QuarkusSecurityIdentity.builder()
                        .setPrincipal(new QuarkusPrincipal(match.name()))
                        .addRole(match.role())
                        .addAttribute(TOKEN_NAME_ATTRIBUTE, match.name())
                        .build());
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
