package io.lockstep.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
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

    /**
     * Whether {@code /q/openapi} (and {@code /q/metrics}, if present) need a token of any role; {@code false}
     * opens them. Read through {@code quarkus.http.auth.permission.q-documents.enabled}.
     */
    @WithDefault("true")
    boolean protectOpenapi();

    Jwt jwt();

    interface Jwt {

        /** The JWT claim that holds the roles; read through {@code smallrye.jwt.path.groups}. */
        @WithDefault("groups")
        String rolesClaim();
    }

    interface Token {

        /** Hex SHA-256 of the token's UTF-8 bytes (64 hex digits, any case). */
        String sha256();

        /** viewer, operator or admin. */
        String role();
    }
}
