package io.lockstep.notifier.it;

import static io.restassured.RestAssured.given;

import io.restassured.specification.RequestSpecification;

/**
 * The static API tokens of the notifier's test profile (their SHA-256 hashes are in application.properties under
 * {@code %test.lockstep.auth.tokens}; the same test tokens as the coordinator's).
 */
final class NotifierTokens {

    static final String VIEWER = "test-viewer-token";
    static final String ADMIN = "test-admin-token";

    private NotifierTokens() {}

    /** A request with the viewer's token: what every role may read. */
    static RequestSpecification asViewer() {
        return given().header("Authorization", "Bearer " + VIEWER);
    }
}
