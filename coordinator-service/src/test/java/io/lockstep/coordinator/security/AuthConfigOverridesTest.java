package io.lockstep.coordinator.security;

import static io.restassured.RestAssured.given;

import io.lockstep.coordinator.support.InMemoryMessaging;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.jwt.build.Jwt;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The documented switches: {@code lockstep.auth.protect-openapi=false} opens the OpenAPI document (and nothing
 * else); {@code lockstep.auth.jwt.roles-claim} names the JWT claim the roles come from.
 */
@QuarkusTest
@QuarkusTestResource(InMemoryMessaging.class)
@TestProfile(AuthConfigOverridesTest.Overrides.class)
class AuthConfigOverridesTest {

    public static class Overrides implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("lockstep.auth.protect-openapi", "false", "lockstep.auth.jwt.roles-claim", "lockstep_roles");
        }
    }

    @Test
    void openApiIsOpenWhileTheApiStillNeedsAToken() {
        given().get("/q/openapi").then().statusCode(200);
        given().get("/api/v1/plans").then().statusCode(401);
    }

    @Test
    void rolesComeFromTheConfiguredClaim() throws Exception {
        long now = Instant.now().getEpochSecond();
        String fromClaim = Jwt.issuer(AuthMatrixTest.ISSUER)
                .upn("dana")
                .claim("lockstep_roles", List.of("admin"))
                .issuedAt(now)
                .expiresAt(now + 300)
                .sign(AuthMatrixTest.key("test-jwt-private.pem"));
        given().header("Authorization", "Bearer " + fromClaim)
                .get("/api/v1/audit")
                .then()
                .statusCode(200);
        String operator = Jwt.issuer(AuthMatrixTest.ISSUER)
                .upn("erin")
                .claim("lockstep_roles", List.of("operator"))
                .issuedAt(now)
                .expiresAt(now + 300)
                .sign(AuthMatrixTest.key("test-jwt-private.pem"));
        given().header("Authorization", "Bearer " + operator)
                .get("/api/v1/audit")
                .then()
                .statusCode(403);
    }
}
