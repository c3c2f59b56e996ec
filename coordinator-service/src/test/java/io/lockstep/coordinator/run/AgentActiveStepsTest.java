package io.lockstep.coordinator.run;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.coordinator.support.AgentEventsDriver;
import io.lockstep.coordinator.support.Backups;
import io.lockstep.coordinator.support.InMemoryMessaging;
import io.lockstep.coordinator.support.TestTokens;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StepEvents;
import io.lockstep.protocol.StoreKind;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySink;
import io.smallrye.reactive.messaging.memory.InMemorySource;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A step the catalog has RUNNING on an agent whose heartbeat does not list it fails at once with a named reason:
 * from a newer process of the agent (it restarted) at that heartbeat, from the same process by the supervisor once
 * the heartbeat is past the grace after the accept. Driven through real agent events over the real catalog.
 */
@QuarkusTest
@QuarkusTestResource(InMemoryMessaging.class)
@ExtendWith(TestTokens.AsAdmin.class)
class AgentActiveStepsTest {

    static final List<String> DATABASES = List.of("genomic", "clinical");

    @Inject
    @Any
    InMemoryConnector connector;

    @Inject
    RunStateMachine machine;

    InMemorySource<String> agentEvents;
    InMemorySink<String> outbox;
    AgentEventsDriver agents;
    String store;
    String agentId;
    Instant startedAt;

    @BeforeEach
    void setUp() {
        agentEvents = connector.source("agent-events");
        outbox = connector.sink("outbox");
        outbox.clear();
        agents = new AgentEventsDriver(agentEvents, outbox);
        store = "store-" + UUID.randomUUID().toString().substring(0, 8);
        agentId = "agent-" + store;
        startedAt = Instant.now().minus(Duration.ofMinutes(10));
        beat(Instant.now(), startedAt, List.of());
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        given().get("/api/v1/stores").jsonPath().getList("id").contains(store));
        given().contentType("application/json")
                .body("{\"stores\": [\"" + store + "\"]}")
                .put("/api/v1/plans/plan-" + store)
                .then()
                .statusCode(201);
    }

    @Test
    void aStepTheSameAgentProcessNoLongerListsFailsTheRunNamingTheAgent() {
        String runId = startBackup();
        List<StepCommand> captures = awaitCaptures();
        Instant accepted = Instant.now().minusSeconds(30);
        for (StepCommand c : captures) {
            accept(c, accepted);
        }
        awaitRunning(captures);
        // the same process (same start) lists only the second capture
        beat(Instant.now(), startedAt, List.of(captures.get(1).stepId()));

        // the supervisor's round (its schedule is off in tests), until the heartbeat is applied
        JsonPath run = awaitFailed(
                runId, () -> QuarkusTransaction.requiringNew().run(() -> machine.supervise(UUID.fromString(runId))));
        String error = run.getString("error");
        assertTrue(error.contains("was lost: agent " + agentId + " no longer runs it"), error);
        assertTrue(error.contains("does not list the step"), error);
        assertEquals(StepState.FAILED, stepState(captures.get(0).stepId()));
        assertEquals(StepState.CANCELLED, stepState(captures.get(1).stepId()));
        assertTrue(
                cancelTargets().contains(captures.get(1).stepId().toString()),
                "the step still running on the agent is cancelled");
    }

    @Test
    void aRestartedAgentFailsTheStepsOfItsFormerProcessAtItsFirstHeartbeat() {
        String runId = startBackup();
        List<StepCommand> captures = awaitCaptures();
        Instant accepted = Instant.now();
        for (StepCommand c : captures) {
            accept(c, accepted);
        }
        awaitRunning(captures);
        Instant restartedAt = accepted.plusMillis(500).truncatedTo(ChronoUnit.MICROS);
        beat(restartedAt.plusMillis(200), restartedAt, List.of());

        JsonPath run = awaitFailed(runId, () -> {}); // at the heartbeat itself, no supervisor round
        await().atMost(Duration.ofSeconds(10))
                .until(() -> cancelTargets()
                        .containsAll(captures.stream()
                                .map(c -> c.stepId().toString())
                                .toList())); // a re-delivery to the new process is stopped by the cancel behind it
        assertTrue(
                run.getString("error")
                        .contains("agent " + agentId + " restarted at " + restartedAt + "; step was not running on it"),
                run.getString("error"));
    }

    // ------------------------------------------------------------------ helpers

    void beat(Instant at, Instant processStartedAt, List<UUID> active) {
        agents.heartbeat(agentId, StoreKind.POSTGRES, store, DATABASES, at, processStartedAt, active);
    }

    void accept(StepCommand command, Instant at) {
        agentEvents.send(new EventCodec("/agents/" + agentId)
                .encode(
                        EventTypes.STEP_ACCEPTED,
                        command.runId().toString(),
                        new StepEvents.Accepted(command.runId(), command.stepId(), agentId, at)));
    }

    void awaitRunning(List<StepCommand> captures) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> captures.stream().allMatch(c -> stepState(c.stepId()) == StepState.RUNNING));
    }

    String startBackup() {
        return Backups.start("plan-" + store, "{\"label\": \"test\"}");
    }

    List<StepCommand> awaitCaptures() {
        await().atMost(Duration.ofSeconds(10)).until(() -> captures().size() >= 2);
        return captures();
    }

    List<StepCommand> captures() {
        return agents.commands(InMemoryMessaging.TOPICS.commands(StoreKind.POSTGRES)).stream()
                .filter(c -> c.action() == StepAction.BACKUP && c.store().equals(store))
                .toList();
    }

    List<String> cancelTargets() {
        return agents.commands(InMemoryMessaging.TOPICS.commands(StoreKind.POSTGRES)).stream()
                .filter(c -> c.action() == StepAction.CANCEL && c.store().equals(store))
                .map(c -> c.parameter(StepCommand.Parameters.TARGET_STEP))
                .toList();
    }

    static JsonPath awaitFailed(String runId, Runnable eachRound) {
        JsonPath[] last = new JsonPath[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            eachRound.run();
            last[0] = given().get("/api/v1/runs/" + runId)
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            return "FAILED".equals(last[0].getString("state"));
        });
        return last[0];
    }

    static StepState stepState(UUID stepId) {
        return QuarkusTransaction.requiringNew().call(() -> StepEntity.<StepEntity>findById(stepId).state);
    }
}
