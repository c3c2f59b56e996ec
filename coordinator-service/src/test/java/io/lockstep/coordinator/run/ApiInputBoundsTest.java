package io.lockstep.coordinator.run;

import static io.restassured.RestAssured.given;

import io.lockstep.coordinator.support.AgentEventsDriver;
import io.lockstep.coordinator.support.InMemoryMessaging;
import io.lockstep.coordinator.support.TestTokens;
import io.lockstep.protocol.StoreKind;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Unbounded durations and NUL bytes are refused with 400 problem details, never 201 or 500 (issue 11). */
@QuarkusTest
@QuarkusTestResource(InMemoryMessaging.class)
@ExtendWith(TestTokens.AsAdmin.class)
class ApiInputBoundsTest {

    @Inject
    @Any
    InMemoryConnector connector;

    String store;

    @BeforeEach
    void setUp() {
        AgentEventsDriver agents = new AgentEventsDriver(connector.source("agent-events"), connector.sink("outbox"));
        store = "bounds-" + UUID.randomUUID().toString().substring(0, 8);
        agents.heartbeat("pg-" + store, StoreKind.POSTGRES, store, List.of("orders"), Instant.now());
        agents.drain();
    }

    @Test
    void aStepTimeoutBeyondSevenDaysIsRefusedNamingTheField() {
        for (String timeout : List.of("1000000000000d", "8d", "P30D", "99999999999999999999s")) {
            given().contentType("application/json")
                    .body("{\"stores\": [\"" + store + "\"], \"timeouts\": {\"backup\": \"" + timeout + "\"}}")
                    .put("/api/v1/plans/plan-" + store)
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("detail", Matchers.containsString("timeout \"backup\""))
                    .body("detail", Matchers.containsString("7 days"));
        }
        given().contentType("application/json")
                .body("{\"stores\": [\"" + store + "\"], \"timeouts\": {\"backup\": \"7d\"}}")
                .put("/api/v1/plans/plan-" + store)
                .then()
                .statusCode(201);
    }

    @Test
    void failedAfterIsBoundedToo() {
        given().contentType("application/json")
                .body("{\"stores\": [\"" + store + "\"], \"retention\": {\"failedAfter\": \"100000d\"}}")
                .put("/api/v1/plans/plan-" + store)
                .then()
                .statusCode(400)
                .body("detail", Matchers.containsString("\"failedAfter\""));
    }

    @Test
    void aNulByteInAPathOrABodyIsRefusedWith400() {
        given().urlEncodingEnabled(false)
                .get("/api/v1/plans/bad%00name")
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
        given().urlEncodingEnabled(false)
                .contentType("application/json")
                .body("{\"stores\": [\"" + store + "\"]}")
                .put("/api/v1/plans/bad%00name")
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
        given().urlEncodingEnabled(false)
                .contentType("application/json")
                .body("{}")
                .post("/api/v1/plans/bad%0Aname/backups")
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
        given().contentType("application/json")
                .body("{\"stores\": [\"" + store + "\\u0000\"]}")
                .put("/api/v1/plans/plan-" + store)
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("detail", Matchers.containsString("NUL"));
        given().contentType("application/json")
                .body("{\"label\": \"a\\u0000b\"}")
                .post("/api/v1/plans/plan-" + store + "/backups")
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
    }
}
