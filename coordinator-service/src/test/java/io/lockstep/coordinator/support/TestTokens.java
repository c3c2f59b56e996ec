package io.lockstep.coordinator.support;

import io.restassured.RestAssured;
import io.restassured.filter.Filter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The static API tokens of the test profile (their SHA-256 hashes are in application.properties under
 * {@code %test.lockstep.auth.tokens}).
 */
public final class TestTokens {

    public static final String VIEWER = "test-viewer-token";
    public static final String OPERATOR = "test-operator-token";
    public static final String ADMIN = "test-admin-token";

    private TestTokens() {}

    /** For tests of other concerns: every RestAssured call of the class sends the admin token. */
    public static final class AsAdmin implements BeforeAllCallback, AfterAllCallback {

        private static final Filter ADMIN_TOKEN = (request, response, context) -> {
            if (!request.getHeaders().hasHeaderWithName("Authorization")) {
                request.header("Authorization", "Bearer " + ADMIN);
            }
            return context.next(request, response);
        };

        @Override
        public void beforeAll(ExtensionContext context) {
            RestAssured.filters(ADMIN_TOKEN);
        }

        @Override
        public void afterAll(ExtensionContext context) {
            List<Filter> others = new ArrayList<>(RestAssured.filters());
            others.remove(ADMIN_TOKEN);
            RestAssured.replaceFiltersWith(others);
        }
    }
}
