package io.lockstep.coordinator.plan;

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

/**
 * A reference query runs as the backup role, so {@code PUT /plans} accepts only one read-only SELECT: several
 * statements, a statement other than SELECT or a data-modifying WITH is a 422 problem naming what is wrong, and the
 * plan is not stored (issue 12).
 */
@QuarkusTest
@QuarkusTestResource(InMemoryMessaging.class)
@ExtendWith(TestTokens.AsAdmin.class)
class ReferenceQueryValidationTest {

    @Inject
    @Any
    InMemoryConnector connector;

    String sql;
    String media;
    String plan;

    @BeforeEach
    void setUp() {
        AgentEventsDriver agents = new AgentEventsDriver(connector.source("agent-events"), connector.sink("outbox"));
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        sql = "refsql-" + suffix;
        media = "refmedia-" + suffix;
        plan = "refplan-" + suffix;
        agents.heartbeat("pg-" + suffix, StoreKind.POSTGRES, sql, List.of("shop"), Instant.now());
        agents.heartbeat("os-" + suffix, StoreKind.OBJECTSTORE, media, List.of(), Instant.now());
        agents.drain();
    }

    private String body(String query) {
        return "{\"stores\": [\"" + sql + "\", \"" + media + "\"], \"references\": [{\"store\": \"" + sql
                + "\", \"database\": \"shop\", \"query\": \"" + query + "\", \"objects\": \"" + media + "\"}]}";
    }

    @Test
    void severalStatementsAreRefusedWith422NamingTheSeparatorAndTheReference() {
        given().contentType("application/json")
                .body(body("select key from images; commit; delete from images"))
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body(
                        "detail",
                        Matchers.containsString(
                                "reference query must be a single SELECT statement: found ';' at position 23"))
                .body("detail", Matchers.containsString(sql + "/shop"));
        given().get("/api/v1/plans/" + plan).then().statusCode(404);
    }

    @Test
    void otherStatementsAndDataModifyingWithAreRefusedWith422() {
        given().contentType("application/json")
                .body(body("SELECT 1; DROP TABLE images"))
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(422)
                .body("detail", Matchers.containsString("found ';' at position 9"));
        given().contentType("application/json")
                .body(body("drop table images"))
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(422)
                .body("detail", Matchers.containsString("it starts with 'DROP'"));
        given().contentType("application/json")
                .body(body("WITH d AS (DELETE FROM images RETURNING key) SELECT key FROM d"))
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(422)
                .body("detail", Matchers.containsString("found DELETE at position 12"));
        given().get("/api/v1/plans/" + plan).then().statusCode(404);
    }

    @Test
    void oneSelectWithASemicolonInAStringIsStored() {
        given().contentType("application/json")
                .body(body("select key from images where kind <> 'a;b' -- keys; all"))
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(201);
        given().get("/api/v1/plans/" + plan)
                .then()
                .statusCode(200)
                .body("references[0].query", Matchers.containsString("'a;b'"));
    }
}
