package io.lockstep.notifier.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.util.KeyUtils;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The notifier's API takes the coordinator's tokens and roles (module api-auth): no token or a bad one is a 401
 * problem detail, a JWT without a Lockstep role a 403, a viewer's or an admin's static token or a viewer's JWT a 200.
 */
@QuarkusTest
@QuarkusTestResource(value = NotifierTestServices.class, restrictToAnnotatedClass = true)
class NotifierApiAuthIT {

    private static final String ISSUER = "https://idp.lockstep.test";

    @ParameterizedTest
    @ValueSource(strings = {"/api/v1/routes", "/api/v1/deliveries"})
    void withoutATokenTheApiAnswers401AsAProblemDetail(String path) {
        given().get(path)
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer")
                .body("detail", containsString("Authorization: Bearer"));
        given().header("Authorization", "Bearer not-a-configured-token")
                .get(path)
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .body("detail", containsString("not valid"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/v1/routes", "/api/v1/deliveries"})
    void viewerAndAdminTokensRead(String path) throws Exception {
        for (String token : List.of(NotifierTokens.VIEWER, NotifierTokens.ADMIN, jwt(List.of("viewer")))) {
            given().header("Authorization", "Bearer " + token)
                    .get(path)
                    .then()
                    .statusCode(200)
                    .contentType("application/json");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/v1/routes", "/api/v1/deliveries"})
    void aValidJwtWithoutALockstepRoleIsForbidden(String path) throws Exception {
        given().header("Authorization", "Bearer " + jwt(List.of("staff")))
                .get(path)
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("status", equalTo(403));
    }

    @Test
    void openApiNeedsATokenAndHealthDoesNot() {
        given().get("/q/openapi").then().statusCode(401);
        NotifierTokens.asViewer().get("/q/openapi").then().statusCode(200);
        assertNotEquals(401, given().get("/q/health").statusCode());
    }

    private static String jwt(List<String> groups) throws Exception {
        long now = Instant.now().getEpochSecond();
        return Jwt.issuer(ISSUER)
                .upn("dana")
                .groups(new java.util.HashSet<>(groups))
                .issuedAt(now)
                .expiresAt(now + 300)
                .sign(key());
    }

    private static PrivateKey key() throws Exception {
        try (InputStream in = NotifierApiAuthIT.class.getClassLoader().getResourceAsStream("test-jwt-private.pem")) {
            return KeyUtils.decodePrivateKey(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
