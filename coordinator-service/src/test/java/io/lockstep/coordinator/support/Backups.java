package io.lockstep.coordinator.support;

import static io.restassured.RestAssured.given;

/** Starting backups through the REST API, as the tests of one running coordinator do. */
public final class Backups {

    private Backups() {}

    /** {@code POST /api/v1/plans/{plan}/backups} with {@code body}; asserts 202 and returns the run's id. */
    public static String start(String plan, String body) {
        return given().contentType("application/json")
                .body(body)
                .post("/api/v1/plans/" + plan + "/backups")
                .then()
                .statusCode(202)
                .extract()
                .jsonPath()
                .getString("id");
    }
}
