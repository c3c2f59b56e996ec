package io.lockstep.coordinator.run;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.coordinator.support.AgentEventsDriver;
import io.lockstep.coordinator.support.Backups;
import io.lockstep.coordinator.support.InMemoryMessaging;
import io.lockstep.coordinator.support.TestTokens;
import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.RunEvent;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StepEvents;
import io.lockstep.protocol.StoreKind;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySink;
import io.smallrye.reactive.messaging.memory.InMemorySource;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The run state machine driven through its real inputs (REST calls, agent events on the in-memory channel)
 * and observed through its real outputs (records relayed from the outbox), over the real catalog database.
 */
@QuarkusTest
@QuarkusTestResource(InMemoryMessaging.class)
@ExtendWith(TestTokens.AsAdmin.class)
class RunStateMachineTest {

    @Inject
    @Any
    InMemoryConnector connector;

    InMemorySource<String> agentEvents;
    InMemorySink<String> outbox;
    AgentEventsDriver agents;
    String store;

    @BeforeEach
    void setUp() {
        agentEvents = connector.source("agent-events");
        outbox = connector.sink("outbox");
        outbox.clear();
        agents = new AgentEventsDriver(agentEvents, outbox);
        store = "store-" + UUID.randomUUID().toString().substring(0, 8);
        heartbeat("agent-" + store, Instant.now(), List.of("genomic", "clinical"));
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
    void aBackupDispatchesOneCaptureCommandPerDatabaseThroughTheOutbox() {
        String runId = startBackup();

        List<StepCommand> commands = awaitCommands(2);
        assertEquals(
                List.of("clinical", "genomic"),
                commands.stream().map(StepCommand::database).sorted().toList());
        for (StepCommand command : commands) {
            assertEquals(runId, command.runId().toString());
            assertEquals(StepAction.BACKUP, command.action());
            assertEquals(
                    "runs/plan-" + store + "/" + runId + "/" + store + "/" + command.database() + ".dump",
                    command.artifact());
            assertTrue(command.deadline().isAfter(Instant.now()));
        }
        assertEquals(List.of(EventTypes.RUN_STARTED), runEventTypes(runId));
    }

    @Test
    void aPlansStepTimeoutSetsTheCommandsDeadline() {
        given().contentType("application/json")
                .body("{\"stores\": [\"" + store + "\"], \"timeouts\": {\"backup\": \"90s\"}}")
                .put("/api/v1/plans/plan-" + store)
                .then()
                .statusCode(200);
        Instant before = Instant.now();
        startBackup();
        StepCommand capture = awaitCommands(1).get(0);
        assertTrue(
                !capture.deadline().isBefore(before.plusSeconds(90))
                        && capture.deadline().isBefore(Instant.now().plusSeconds(91)),
                "deadline " + capture.deadline());
        given().contentType("application/json")
                .body("{\"stores\": [\"" + store + "\"], \"timeouts\": {\"backup\": \"soon\"}}")
                .put("/api/v1/plans/plan-" + store)
                .then()
                .statusCode(400);
    }

    @Test
    void aRunWithEveryCaptureVerifiedBecomesConsistentAtTheLatestSnapshot() {
        String runId = startBackup();
        List<StepCommand> captures = awaitCommands(2);
        Instant first = Instant.parse("2026-11-21T08:00:00.000001Z");
        Instant latest = Instant.parse("2026-11-21T08:00:00.500001Z");
        captureSucceeds(captures.get(0), first, "sha-a");
        drain();
        assertEquals("RUNNING", state(runId), "one capture left");
        assertEquals(2, stepCommands().size(), "no verification before every capture succeeded");
        captureSucceeds(captures.get(1), latest, "sha-b");

        List<StepCommand> verifies = awaitCommands(4).subList(2, 4);
        assertTrue(verifies.stream().allMatch(c -> c.action() == StepAction.VERIFY));
        assertEquals("VERIFYING", state(runId));
        for (StepCommand verify : verifies) {
            StepCommand capture = captures.stream()
                    .filter(c -> c.artifact().equals(verify.artifact()))
                    .findFirst()
                    .orElseThrow();
            String expected = capture == captures.get(0) ? "sha-a" : "sha-b";
            assertEquals(expected, verify.expectedSha256(), "the verification knows the hash to expect");
            succeed(verify, expected, Map.of("tocEntries", "12"));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> state(runId).equals("CONSISTENT"));
        RunEntity run = QuarkusTransaction.requiringNew().call(() -> RunEntity.findById(UUID.fromString(runId)));
        assertEquals(latest, run.consistencyPoint);
        assertEquals(200, run.bytes, "bytes of both dumps");
        await().atMost(Duration.ofSeconds(10)).until(() -> runEventTypes(runId).size() == 2);
        assertEquals(List.of(EventTypes.RUN_STARTED, EventTypes.RUN_CONSISTENT), runEventTypes(runId));
    }

    @Test
    void aFailedCaptureFailsTheRunWithItsReasonAndCancelsTheOtherSteps() {
        String runId = startBackup();
        List<StepCommand> captures = awaitCommands(2);
        send(
                EventTypes.STEP_FAILED,
                new StepEvents.Failed(
                        captures.get(0).runId(),
                        captures.get(0).stepId(),
                        "pg_dump exited with code 1: FATAL: password authentication failed",
                        Instant.now()));

        await().atMost(Duration.ofSeconds(10)).until(() -> state(runId).equals("FAILED"));
        RunEntity run = QuarkusTransaction.requiringNew().call(() -> RunEntity.findById(UUID.fromString(runId)));
        assertTrue(run.error.contains("password authentication failed"), run.error);
        List<StepEntity> steps = QuarkusTransaction.requiringNew().call(() -> StepEntity.ofRun(run.id));
        assertEquals(
                List.of(StepState.FAILED, StepState.CANCELLED),
                steps.stream().map(s -> s.state).sorted().toList());

        // A late success of the cancelled step changes nothing.
        captureSucceeds(captures.get(1), Instant.now(), "sha");
        drain();
        assertEquals(List.of(EventTypes.RUN_STARTED, EventTypes.RUN_FAILED), runEventTypes(runId));
        assertEquals("FAILED", state(runId));
        assertTrue(
                commands().stream().noneMatch(c -> c.action() == StepAction.VERIFY), "no verification was dispatched");
        assertTrue(
                commands().stream()
                        .anyMatch(c -> c.action() == StepAction.CANCEL
                                && captures.get(1)
                                        .stepId()
                                        .toString()
                                        .equals(c.parameter(StepCommand.Parameters.TARGET_STEP))),
                "the other capture is cancelled on its agent");
    }

    @Test
    void aCaptureThatNeverReportedItsSnapshotCannotMakeTheRunConsistent() {
        String runId = startBackup();
        List<StepCommand> captures = awaitCommands(2);
        succeed(captures.get(0), "sha-a", Map.of());

        await().atMost(Duration.ofSeconds(10)).until(() -> state(runId).equals("FAILED"));
        RunEntity run = QuarkusTransaction.requiringNew().call(() -> RunEntity.findById(UUID.fromString(runId)));
        assertTrue(run.error.contains("without reporting its SQL snapshot point"), run.error);
        assertNull(run.consistencyPoint);
    }

    @Test
    void aVerificationThatReadsADifferentHashFailsTheRun() {
        String runId = startBackup();
        List<StepCommand> captures = awaitCommands(2);
        captureSucceeds(captures.get(0), Instant.now(), "sha-a");
        captureSucceeds(captures.get(1), Instant.now(), "sha-b");
        List<StepCommand> verifies = awaitCommands(4).subList(2, 4);
        succeed(verifies.get(0), "tampered", Map.of("tocEntries", "3"));
        succeed(verifies.get(1), verifies.get(1).expectedSha256(), Map.of("tocEntries", "3"));

        await().atMost(Duration.ofSeconds(10)).until(() -> state(runId).equals("FAILED"));
        RunEntity run = QuarkusTransaction.requiringNew().call(() -> RunEntity.findById(UUID.fromString(runId)));
        assertTrue(run.error.contains("re-reads with SHA-256 tampered"), run.error);
    }

    @Test
    void aReplayedEventIsIgnored() {
        String runId = startBackup();
        List<StepCommand> captures = awaitCommands(2);
        StepCommand capture = captures.get(0);
        send(
                EventTypes.STEP_SNAPSHOT_TAKEN,
                new StepEvents.SnapshotTaken(
                        capture.runId(), capture.stepId(), Instant.parse("2026-11-21T08:00:00Z"), "0/1", "snap"));
        EventCodec agent = AgentEventsDriver.codecOfStep(capture.stepId());
        CloudEvent success = agent.wrap(
                EventTypes.STEP_SUCCEEDED,
                capture.runId().toString(),
                new StepEvents.Succeeded(
                        capture.runId(),
                        capture.stepId(),
                        100,
                        "sha-1",
                        capture.artifact(),
                        Instant.now(),
                        Instant.now(),
                        Map.of()));
        agentEvents.send(EventCodec.toJson(success));
        await().atMost(Duration.ofSeconds(10)).until(() -> stepState(capture.stepId()) == StepState.SUCCEEDED);
        long versionBefore = stepVersion(capture.stepId());

        agentEvents.send(EventCodec.toJson(success));
        drain();

        assertEquals(versionBefore, stepVersion(capture.stepId()), "the replay did not touch the step");
        assertEquals("RUNNING", state(runId));
    }

    @Test
    void aBackupOfAStoreWhoseAgentWentSilentFailsFastWithA409() {
        String silent = "silent-" + UUID.randomUUID().toString().substring(0, 8);
        heartbeat("agent-" + silent, Instant.now().minus(Duration.ofMinutes(10)), List.of("db"));
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        given().get("/api/v1/stores").jsonPath().getList("id").contains(silent));
        given().contentType("application/json")
                .body("{\"stores\": [\"" + silent + "\"]}")
                .put("/api/v1/plans/plan-" + silent)
                .then()
                .statusCode(201);

        var response =
                given().contentType("application/json").body("{}").post("/api/v1/plans/plan-" + silent + "/backups");

        response.then().statusCode(409).contentType("application/problem+json");
        assertTrue(response.jsonPath().getString("detail").contains("has no live agent"), response.asString());
        String runId = response.jsonPath().getString("runId");
        assertEquals("FAILED", state(runId));
        assertTrue(
                outbox.received().stream()
                        .noneMatch(m -> topic(m).startsWith(InMemoryMessaging.TOPICS.name("lockstep.commands"))),
                "nothing was dispatched");
    }

    @Test
    void aMalformedRecordDoesNotStopTheConsumer() {
        agentEvents.send("{this is not json");
        String runId = startBackup();
        List<StepCommand> captures = awaitCommands(2);
        send(
                EventTypes.STEP_ACCEPTED,
                new StepEvents.Accepted(captures.get(0).runId(), captures.get(0).stepId(), "a", Instant.now()));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> stepState(captures.get(0).stepId()) == StepState.RUNNING);
        assertEquals("RUNNING", state(runId));
    }

    // ------------------------------------------------------------------ helpers

    /** Events are handled in order: once a marker heartbeat sent now is applied, everything before it was too. */
    void drain() {
        agents.drain();
    }

    void heartbeat(String agentId, Instant at, List<String> databases) {
        agents.heartbeat(agentId, StoreKind.POSTGRES, agentId.substring("agent-".length()), databases, at);
    }

    String startBackup() {
        return Backups.start("plan-" + store, "{\"label\": \"test\"}");
    }

    void captureSucceeds(StepCommand capture, Instant snapshot, String sha) {
        send(EventTypes.STEP_ACCEPTED, new StepEvents.Accepted(capture.runId(), capture.stepId(), "a", Instant.now()));
        send(
                EventTypes.STEP_SNAPSHOT_TAKEN,
                new StepEvents.SnapshotTaken(
                        capture.runId(), capture.stepId(), snapshot, "0/16B3748", "00000003-00000002-1"));
        succeed(capture, sha, Map.of());
    }

    void succeed(StepCommand command, String sha, Map<String, String> evidence) {
        send(
                EventTypes.STEP_SUCCEEDED,
                new StepEvents.Succeeded(
                        command.runId(),
                        command.stepId(),
                        100,
                        sha,
                        command.artifact(),
                        Instant.now(),
                        Instant.now().plusMillis(1),
                        evidence));
    }

    void send(String type, Object payload) {
        agents.sendAsStepAgent(type, payload);
    }

    /** The first {@code count} step commands (captures and verifications), in the order they were sent. */
    List<StepCommand> awaitCommands(int count) {
        await().atMost(Duration.ofSeconds(10)).until(() -> stepCommands().size() >= count);
        return stepCommands();
    }

    List<StepCommand> stepCommands() {
        return commands().stream()
                .filter(c -> c.action() == StepAction.BACKUP || c.action() == StepAction.VERIFY)
                .toList();
    }

    List<StepCommand> commands() {
        return agents.commands(InMemoryMessaging.TOPICS.commands(StoreKind.POSTGRES));
    }

    List<String> runEventTypes(String runId) {
        return outbox.received().stream()
                .filter(m -> topic(m).equals(InMemoryMessaging.TOPICS.runEvents()))
                .map(m -> EventCodec.decode(m.getPayload()))
                .filter(e ->
                        EventCodec.payload(e, RunEvent.class).runId().toString().equals(runId))
                .map(CloudEvent::type)
                .toList();
    }

    static String topic(Message<String> message) {
        return AgentEventsDriver.topic(message);
    }

    static String state(String runId) {
        return given().get("/api/v1/runs/" + runId)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getString("state");
    }

    static StepState stepState(UUID stepId) {
        return QuarkusTransaction.requiringNew().call(() -> StepEntity.<StepEntity>findById(stepId).state);
    }

    static long stepVersion(UUID stepId) {
        return QuarkusTransaction.requiringNew().call(() -> StepEntity.<StepEntity>findById(stepId).version);
    }
}
