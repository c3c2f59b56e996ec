package io.lockstep.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.SecurityIdentity;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Static token parsing, matching and configuration checks, without a running service. */
class StaticTokensTest {

    private static Map<String, AuthConfig.Token> config(Map<String, String[]> tokens) {
        return tokens.entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> new AuthConfig.Token() {
                    @Override
                    public String sha256() {
                        return e.getValue()[0];
                    }

                    @Override
                    public String role() {
                        return e.getValue()[1];
                    }
                }));
    }

    private static String hash(String token) {
        return HexFormat.of().formatHex(StaticTokenIdentityProvider.sha256(token));
    }

    @Test
    void aConfiguredTokenBecomesItsNamedIdentityWithItsRole() {
        var provider = new StaticTokenIdentityProvider(config(Map.of(
                "ci", new String[] {hash("token-one").toUpperCase(), "Operator"},
                "ops", new String[] {hash("token-two"), "admin"})));
        SecurityIdentity identity = provider.authenticate(new StaticTokenRequest("token-one"), null)
                .await()
                .indefinitely();
        assertEquals("ci", identity.getPrincipal().getName());
        assertEquals(Set.of("operator"), identity.getRoles());
    }

    @Test
    void anUnknownTokenFailsAuthentication() {
        var provider =
                new StaticTokenIdentityProvider(config(Map.of("ci", new String[] {hash("token-one"), "viewer"})));
        assertThrows(
                AuthenticationFailedException.class,
                () -> provider.authenticate(new StaticTokenRequest("token-onf"), null)
                        .await()
                        .indefinitely());
    }

    @Test
    void aMalformedHashOrUnknownRoleStopsTheStartWithTheKeyToFix() {
        var badHash = assertThrows(
                IllegalArgumentException.class,
                () -> new StaticTokenIdentityProvider(
                        config(Map.of("ci", new String[] {"plaintext-token", "viewer"}))));
        assertTrue(badHash.getMessage().contains("lockstep.auth.tokens.ci.sha256"), badHash.getMessage());
        assertFalse(badHash.getMessage().contains("plaintext-token"), "the configured value is not echoed");
        var badRole = assertThrows(
                IllegalArgumentException.class,
                () -> new StaticTokenIdentityProvider(config(Map.of("ci", new String[] {hash("x"), "root"}))));
        assertTrue(badRole.getMessage().contains("lockstep.auth.tokens.ci.role"), badRole.getMessage());
    }

    @Test
    void onlyNonJwtBearerTokensAreStaticTokens() {
        assertEquals("abc", StaticTokenMechanism.bearerToken("Bearer abc"));
        assertEquals("abc", StaticTokenMechanism.bearerToken("bearer  abc "));
        assertNull(StaticTokenMechanism.bearerToken("Basic dXNlcjpwdw=="));
        assertNull(StaticTokenMechanism.bearerToken("Bearer "));
        assertNull(StaticTokenMechanism.bearerToken(null));
        assertTrue(StaticTokenMechanism.looksLikeJwt("eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"));
        assertFalse(StaticTokenMechanism.looksLikeJwt("lst_Ab-_09"));
    }

    @Test
    void rolesImplyTheWeakerOnes() {
        assertEquals(Set.of("admin", "operator", "viewer"), Roles.implied("admin"));
        assertEquals(Set.of("operator", "viewer"), Roles.implied("operator"));
        assertEquals(Set.of("viewer"), Roles.implied("viewer"));
        assertEquals(Set.of(), Roles.implied("staff"));
        assertEquals(
                "operator", Roles.highest(Set.of("viewer", "operator", "staff")).orElseThrow());
    }
}
