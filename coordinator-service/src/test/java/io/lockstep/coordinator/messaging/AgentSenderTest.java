package io.lockstep.coordinator.messaging;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.coordinator.support.AgentEventsDriver;
import io.lockstep.coordinator.support.Backups;
import io.lockstep.coordinator.support.InMemoryMessaging;
import io.lockstep.coordinator.support.TestTokens;
import io.lockstep.protocol.AgentSources;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StepEvents;
import io.lockstep.protocol.StoreKind;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySink;
import io.smallrye.reactive.messaging.memory.InMemorySource;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Events speak only for their sender: a step event from an agent other than the step's, and a heartbeat claiming a
 * store another known agent serves, are refused and audited; an admin forgets an agent to hand its stores over.
 * Driven through the in-memory agent-events channel over the real catalog ({@code AgentSenderIT} does the step case
 * on the real Kafka).
 */
@QuarkusTest
@QuarkusTestResource(InMemoryMessaging.class)
@ExtendWith(TestTokens.AsAdmin.class)
class AgentSenderTest {

    @Inject
    @Any
    InMemoryConnector connector;

    InMemorySource<String> agentEvents;
    InMemorySink<String> outbox;
    AgentEventsDriver agents;
    String store;
    String owner;
    String intruder;

    @BeforeEach
    void setUp() {
        agentEvents = connector.source("agent-events");
        outbox = connector.sink("outbox");
        agents = new AgentEventsDriver(agentEvents, outbox);
        String id = UUID.randomUUID().toString().substring(0, 8);
        store = "sender-" + id;
        owner = "owner-" + id;
        intruder = "intruder-" + id;
        agents.heartbeat(owner, StoreKind.POSTGRES, store, List.of("app"), Instant.now());
        await().atMost(Duration.ofSeconds(10)).until(() -> agentOf(store).equals(owner));
        given().contentType("application/json")
                .body("{\"stores\": [\"" + store + "\"]}")
                .put("/api/v1/plans/plan-" + store)
                .then()
                .statusCode(201);
    }

    @Test
    void aStepEventFromAnAgentOtherThanTheStepsIsRefusedAndAudited() {
        String runId = startBackup();
        StepCommand capture = awaitCapture(runId);
        assertEquals(owner, AgentEventsDriver.agentOfStep(capture.stepId()), "bound to the store's agent at dispatch");
        assertEquals(owner, capture.parameter(StepCommand.Parameters.AGENT), "and the command is addressed to it");
        agents.sendAsStepAgent(
                EventTypes.STEP_ACCEPTED,
                new StepEvents.Accepted(runId(runId), capture.stepId(), owner, Instant.now()));
        await().atMost(Duration.ofSeconds(10)).until(() -> stepState(capture.stepId()) == StepState.RUNNING);

        StepEvents.Succeeded success = new StepEvents.Succeeded(
                capture.runId(),
                capture.stepId(),
                100,
                "sha-forged",
                capture.artifact(),
                Instant.now(),
                Instant.now(),
                Map.of());
        agentEvents.send(new EventCodec(AgentSources.of(intruder)).encode(EventTypes.STEP_SUCCEEDED, runId, success));
        // An accepted event sent by the intruder in the owner's name is refused too.
        agentEvents.send(new EventCodec(AgentSources.of(intruder))
                .encode(
                        EventTypes.STEP_ACCEPTED,
                        runId,
                        new StepEvents.Accepted(capture.runId(), capture.stepId(), owner, Instant.now())));
        agents.drain();

        assertEquals(StepState.RUNNING, stepState(capture.stepId()), "the forged success was not applied");
        assertEquals("RUNNING", run(runId).getString("state"));
        List<Map<String, Object>> refused = await().atMost(Duration.ofSeconds(10))
                .until(() -> audit("method=EVENT&targetKind=run&targetId=" + runId), rows -> rows.size() == 2);
        assertTrue(
                refused.stream()
                        .allMatch(r -> ("agent:" + intruder).equals(r.get("subject"))
                                && Integer.valueOf(403).equals(r.get("status"))),
                refused.toString());
        assertTrue(
                refused.stream()
                        .anyMatch(r -> EventTypes.STEP_SUCCEEDED.equals(r.get("path"))
                                && String.valueOf(r.get("detail")).contains("dispatched to agent " + owner)),
                refused.toString());

        // The same success from the step's own agent is applied: the refusal was about the sender, nothing else.
        agentEvents.send(new EventCodec(AgentSources.of(owner)).encode(EventTypes.STEP_SUCCEEDED, runId, success));
        await().atMost(Duration.ofSeconds(10)).until(() -> stepState(capture.stepId()) == StepState.SUCCEEDED);
    }

    @Test
    void aSecondAgentClaimingAKnownStoreDoesNotTakeItOverUntilTheFirstIsForgotten() {
        Instant start = Instant.now().minusSeconds(30);
        claim(intruder, start);
        claim(intruder, start);
        agents.drain();

        assertEquals(owner, agentOf(store), "the store stays with its agent");
        assertEquals(List.of(), agentStores(intruder), "the claimant is known, but not for the store");
        List<Map<String, Object>> audited = await().atMost(Duration.ofSeconds(10))
                .until(() -> audit("method=EVENT&targetKind=store&targetId=" + store), rows -> !rows.isEmpty());
        assertEquals(1, audited.size(), "audited once per claimant's life, not per heartbeat: " + audited);
        assertEquals("agent:" + intruder, audited.get(0).get("subject"));
        assertEquals(409, audited.get(0).get("status"));

        given().delete("/api/v1/agents/" + owner).then().statusCode(200);
        claim(intruder, start);
        await().atMost(Duration.ofSeconds(10)).until(() -> agentOf(store).equals(intruder));
    }

    @Test
    void forgettingAnAgentNeedsAdminAndFailsTheRunsOfItsStepsAndForgetsItsStores() {
        String runId = startBackup();
        StepCommand capture = awaitCapture(runId);
        agents.sendAsStepAgent(
                EventTypes.STEP_ACCEPTED,
                new StepEvents.Accepted(capture.runId(), capture.stepId(), owner, Instant.now()));
        await().atMost(Duration.ofSeconds(10)).until(() -> stepState(capture.stepId()) == StepState.RUNNING);

        for (String token : List.of(TestTokens.VIEWER, TestTokens.OPERATOR)) {
            given().header("Authorization", "Bearer " + token)
                    .delete("/api/v1/agents/" + owner)
                    .then()
                    .statusCode(403)
                    .contentType("application/problem+json");
        }
        assertEquals(owner, agentOf(store), "refused calls change nothing");
        assertEquals("RUNNING", run(runId).getString("state"));

        Response forgot = given().delete("/api/v1/agents/" + owner);
        forgot.then().statusCode(200);
        assertEquals(List.of(store), forgot.jsonPath().getList("stores"));
        assertEquals(List.of(runId), forgot.jsonPath().getList("failedRuns"));

        assertEquals("FAILED", run(runId).getString("state"));
        assertTrue(
                run(runId).getString("error").contains("agent " + owner + " was forgotten by"),
                run(runId).prettify());
        assertFalse(given().get("/api/v1/stores").jsonPath().getList("id").contains(store), "its store is gone");
        assertFalse(given().get("/api/v1/agents").jsonPath().getList("id").contains(owner), "the agent is gone");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> agents.commands(InMemoryMessaging.TOPICS.name("lockstep.commands.")).stream()
                        .anyMatch(c -> c.action() == StepAction.CANCEL
                                && capture.stepId()
                                        .toString()
                                        .equals(c.parameters().get("targetStep"))));

        List<Map<String, Object>> audited = audit("method=DELETE&targetKind=agent&targetId=" + owner);
        assertEquals(
                List.of(200, 403, 403),
                audited.stream().map(r -> r.get("status")).toList());
        assertEquals("test-admin", audited.get(0).get("subject"));
        given().delete("/api/v1/agents/" + owner).then().statusCode(404);
    }

    private void claim(String agent, Instant startedAt) {
        Instant now = Instant.now();
        agentEvents.send(new EventCodec(AgentSources.of(agent), Clock.fixed(now, ZoneOffset.UTC))
                .encode(
                        EventTypes.AGENT_HEARTBEAT,
                        agent,
                        AgentEventsDriver.heartbeatOf(
                                agent, StoreKind.POSTGRES, store, List.of("app"), startedAt, List.of())));
    }

    private String startBackup() {
        return Backups.start("plan-" + store, "{}");
    }

    private StepCommand awaitCapture(String runId) {
        return await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> agents.commands(InMemoryMessaging.TOPICS.commands(StoreKind.POSTGRES)).stream()
                                .filter(c -> c.runId().toString().equals(runId) && c.action() == StepAction.BACKUP)
                                .findFirst(),
                        java.util.Optional::isPresent)
                .orElseThrow();
    }

    private static UUID runId(String runId) {
        return UUID.fromString(runId);
    }

    private static io.restassured.path.json.JsonPath run(String runId) {
        return given().get("/api/v1/runs/" + runId)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    private static String agentOf(String store) {
        List<Map<String, Object>> stores =
                given().get("/api/v1/stores").jsonPath().getList("$");
        return stores.stream()
                .filter(s -> store.equals(s.get("id")))
                .map(s -> String.valueOf(s.get("agent")))
                .findFirst()
                .orElse("");
    }

    private static List<Object> agentStores(String agent) {
        List<Map<String, Object>> all = given().get("/api/v1/agents").jsonPath().getList("$");
        return all.stream()
                .filter(a -> agent.equals(a.get("id")))
                .map(a -> (List<Object>) a.get("stores"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("agent " + agent + " is not listed: " + all));
    }

    private static List<Map<String, Object>> audit(String query) {
        return given().get("/api/v1/audit?" + query)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("$");
    }

    private static StepState stepState(UUID stepId) {
        return QuarkusTransaction.requiringNew().call(() -> StepEntity.<StepEntity>findById(stepId).state);
    }
}
