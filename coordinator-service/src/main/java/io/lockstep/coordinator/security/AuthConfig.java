package io.lockstep.coordinator.security;

import io.smallrye.config.ConfigMapping;
import java.util.Map;

/**
 * Static API tokens, for deployments without an identity provider. Only the SHA-256 of a token is configured,
 * never the token itself:
 *
 * <pre>
 * lockstep.auth.tokens.ci.sha256=4f1c...   # hex SHA-256 of the token; deploy/local/token prints a new pair
 * lockstep.auth.tokens.ci.role=operator    # viewer, operator or admin
 * </pre>
 *
 * The entry's name ({@code ci}) is the subject the audit log records. JWTs (smallrye-jwt, {@code mp.jwt.*})
 * work beside these tokens.
 */
@ConfigMapping(prefix = "lockstep.auth")
public interface AuthConfig {

    /** Tokens by name. */
    Map<String, Token> tokens();

    interface Token {

        /** Hex SHA-256 of the token's UTF-8 bytes (64 hex digits, any case). */
        String sha256();

        /** viewer, operator or admin. */
        String role();
    }
}
