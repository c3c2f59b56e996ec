package io.lockstep.coordinator.run;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.support.AgentEventsDriver;
import io.lockstep.coordinator.support.InMemoryMessaging;
import io.lockstep.coordinator.support.TestTokens;
import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StepEvents;
import io.lockstep.protocol.StoreKind;
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
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The ordering rules of a three-store run, driven through agent events in every awkward order. */
@QuarkusTest
@QuarkusTestResource(InMemoryMessaging.class)
@ExtendWith(TestTokens.AsAdmin.class)
class OrderingRulesTest {

    @Inject
    @Any
    InMemoryConnector connector;

    InMemorySource<String> agentEvents;
    InMemorySink<String> outbox;
    AgentEventsDriver agents;
    String sql;
    String objects;
    String search;
    String plan;

    @BeforeEach
    void setUp() {
        agentEvents = connector.source("agent-events");
        outbox = connector.sink("outbox");
        outbox.clear();
        agents = new AgentEventsDriver(agentEvents, outbox);
        String id = UUID.randomUUID().toString().substring(0, 8);
        sql = "sql-" + id;
        objects = "objects-" + id;
        search = "search-" + id;
        heartbeat("pg-" + id, StoreKind.POSTGRES, sql, List.of("genomic", "clinical"));
        heartbeat("os-" + id, StoreKind.OBJECTSTORE, objects, List.of());
        heartbeat("es-" + id, StoreKind.SEARCH, search, List.of());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> given().get("/api/v1/stores")
                        .jsonPath()
                        .getList("id")
                        .containsAll(List.of(sql, objects, search)));
        plan = "plan-" + id;
        given().contentType("application/json")
                .body("{\"stores\": [\"" + sql + "\", \"" + objects + "\", \"" + search + "\"]}")
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(201);
    }

    @Test
    void searchStoresAreQuiescedBeforeAnythingIsCaptured() {
        startBackup();
        StepCommand quiesce = awaitCommand(c -> c.action() == StepAction.QUIESCE);
        assertEquals(search, quiesce.store());
        assertEquals("20", quiesce.parameter(StepCommand.Parameters.LEASE_SECONDS), "the configured lease");
        drain();
        assertEquals(1, commands().size(), "nothing but the quiesce before it is acknowledged");

        succeed(quiesce, Map.of("quiescedAt", Instant.now().toString()));
        awaitCommands(c -> c.action() == StepAction.BACKUP, 3);
        List<StepCommand> captures =
                commands().stream().filter(c -> c.action() == StepAction.BACKUP).toList();
        assertEquals(
                List.of(StoreKind.POSTGRES, StoreKind.POSTGRES, StoreKind.SEARCH),
                captures.stream().map(c -> kindOf(c.store())).sorted().toList(),
                "SQL snapshots and the search snapshot start together; objects wait");
    }

    @Test
    void objectsAreNeverDispatchedBeforeEverySqlSnapshotPointWhateverTheEventOrder() {
        startBackup();
        succeed(
                awaitCommand(c -> c.action() == StepAction.QUIESCE),
                Map.of("quiescedAt", Instant.now().toString()));
        awaitCommands(c -> c.action() == StepAction.BACKUP, 3);
        List<StepCommand> dumps =
                commands().stream().filter(c -> c.store().equals(sql)).toList();
        StepCommand snapshotCapture = commands().stream()
                .filter(c -> c.store().equals(search) && c.action() == StepAction.BACKUP)
                .findFirst()
                .orElseThrow();

        // Progress, a search snapshot and one SQL snapshot point (twice, replayed) arrive first.
        send(
                EventTypes.STEP_ACCEPTED,
                new StepEvents.Accepted(dumps.get(1).runId(), dumps.get(1).stepId(), "a", Instant.now()));
        send(
                EventTypes.STEP_PROGRESS,
                new StepEvents.Progress(dumps.get(1).runId(), dumps.get(1).stepId(), 10, 0, Instant.now()));
        succeed(
                snapshotCapture,
                Map.of(
                        "snapshotStartedAt",
                        Instant.now().toString(),
                        "snapshotEndedAt",
                        Instant.now().toString(),
                        "state",
                        "SUCCESS",
                        "shardsFailed",
                        "0"));
        EventCodec agent = AgentEventsDriver.codecOfStep(dumps.get(0).stepId());
        CloudEvent point = agent.wrap(
                EventTypes.STEP_SNAPSHOT_TAKEN,
                "r",
                new StepEvents.SnapshotTaken(dumps.get(0).runId(), dumps.get(0).stepId(), Instant.now(), "0/1", "s"));
        agentEvents.send(EventCodec.toJson(point));
        agentEvents.send(EventCodec.toJson(point));
        drain();
        assertTrue(commands().stream().noneMatch(c -> c.store().equals(objects)), "one SQL snapshot point is missing");
        assertTrue(
                commands().stream().noneMatch(c -> c.action() == StepAction.RESUME), "resume waits for SQL points too");

        // The last SQL snapshot point: now the object copy starts, and the search store resumes.
        send(
                EventTypes.STEP_SNAPSHOT_TAKEN,
                new StepEvents.SnapshotTaken(dumps.get(1).runId(), dumps.get(1).stepId(), Instant.now(), "0/2", "s2"));
        StepCommand copy = awaitCommand(c -> c.store().equals(objects) && c.action() == StepAction.BACKUP);
        assertEquals("runs/" + plan + "/" + copy.runId() + "/" + objects + "/objects.jsonl.gz", copy.artifact());
        StepCommand resume = awaitCommand(c -> c.action() == StepAction.RESUME);
        assertEquals(search, resume.store());
        assertEquals(
                1, commands().stream().filter(c -> c.store().equals(objects)).count(), "dispatched exactly once");
    }

    @Test
    void aSearchStoreIsReleasedWhenItsSnapshotCompletesAndVerificationWaitsForItsCopy() {
        startBackup();
        succeed(
                awaitCommand(c -> c.action() == StepAction.QUIESCE),
                Map.of("quiescedAt", Instant.now().toString()));
        awaitCommands(c -> c.action() == StepAction.BACKUP, 3);
        for (StepCommand dump :
                commands().stream().filter(c -> c.store().equals(sql)).toList()) {
            send(
                    EventTypes.STEP_SNAPSHOT_TAKEN,
                    new StepEvents.SnapshotTaken(dump.runId(), dump.stepId(), Instant.now(), "0/1", "s"));
        }
        StepCommand snapshot = commands().stream()
                .filter(c -> c.store().equals(search) && c.action() == StepAction.BACKUP)
                .findFirst()
                .orElseThrow();
        awaitCommand(c -> c.store().equals(objects) && c.action() == StepAction.BACKUP);
        assertTrue(commands().stream().noneMatch(c -> c.action() == StepAction.RESUME), "snapshot not done yet");

        send(
                EventTypes.STEP_SNAPSHOT_TAKEN,
                new StepEvents.SnapshotTaken(
                        snapshot.runId(), snapshot.stepId(), Instant.now(), null, "lockstep-" + snapshot.runId()));
        assertEquals(search, awaitCommand(c -> c.action() == StepAction.RESUME).store());
        String run = given().get("/api/v1/runs/" + snapshot.runId()).asString();
        assertTrue(run.contains("\"snapshotEndedAt\""), run);
        assertTrue(commands().stream().noneMatch(c -> c.action() == StepAction.VERIFY), "the copy is still running");
    }

    @Test
    void aFailureAlwaysResumesTheQuiescedStoreAndCancelsRunningSteps() {
        startBackup();
        succeed(
                awaitCommand(c -> c.action() == StepAction.QUIESCE),
                Map.of("quiescedAt", Instant.now().toString()));
        awaitCommands(c -> c.action() == StepAction.BACKUP, 3);
        StepCommand dump = commands().stream()
                .filter(c -> c.store().equals(sql))
                .findFirst()
                .orElseThrow();
        StepCommand snapshot = commands().stream()
                .filter(c -> c.store().equals(search) && c.action() == StepAction.BACKUP)
                .findFirst()
                .orElseThrow();

        send(
                EventTypes.STEP_FAILED,
                new StepEvents.Failed(
                        snapshot.runId(), snapshot.stepId(), "snapshot lockstep-x ended PARTIAL", Instant.now()));

        StepCommand resume = awaitCommand(c -> c.action() == StepAction.RESUME);
        assertEquals(search, resume.store());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> commands().stream()
                        .anyMatch(c -> c.action() == StepAction.CANCEL
                                && dump.stepId().toString().equals(c.parameter(StepCommand.Parameters.TARGET_STEP))));
        String state = given().get("/api/v1/runs/" + dump.runId()).jsonPath().getString("state");
        assertEquals("FAILED", state);
        assertTrue(given().get("/api/v1/runs/" + dump.runId())
                .jsonPath()
                .getString("error")
                .contains("PARTIAL"));
    }

    @Test
    void aFailureWhileQuiescingStillResumes() {
        startBackup();
        StepCommand quiesce = awaitCommand(c -> c.action() == StepAction.QUIESCE);
        send(
                EventTypes.STEP_FAILED,
                new StepEvents.Failed(quiesce.runId(), quiesce.stepId(), "hook answered 500", Instant.now()));
        assertEquals(search, awaitCommand(c -> c.action() == StepAction.RESUME).store());
    }

    // ------------------------------------------------------------------ helpers

    StoreKind kindOf(String store) {
        return store.equals(sql)
                ? StoreKind.POSTGRES
                : store.equals(objects) ? StoreKind.OBJECTSTORE : StoreKind.SEARCH;
    }

    void heartbeat(String agentId, StoreKind kind, String store, List<String> databases) {
        agents.heartbeat(agentId, kind, store, databases, Instant.now());
    }

    void drain() {
        agents.drain();
    }

    void startBackup() {
        given().contentType("application/json")
                .body("{}")
                .post("/api/v1/plans/" + plan + "/backups")
                .then()
                .statusCode(202);
    }

    void succeed(StepCommand command, Map<String, String> evidence) {
        send(
                EventTypes.STEP_SUCCEEDED,
                new StepEvents.Succeeded(
                        command.runId(),
                        command.stepId(),
                        10,
                        "sha",
                        command.artifact(),
                        Instant.now(),
                        Instant.now(),
                        evidence));
    }

    void send(String type, Object payload) {
        agents.sendAsStepAgent(type, payload);
    }

    StepCommand awaitCommand(Predicate<StepCommand> which) {
        try {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> commands().stream().anyMatch(which));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            String id = given().get("/api/v1/runs?plan=" + plan).jsonPath().getString("[0].id");
            throw new AssertionError(
                    "command not sent; run: "
                            + given().get("/api/v1/runs/" + id).asString(),
                    e);
        }
        return commands().stream().filter(which).findFirst().orElseThrow();
    }

    void awaitCommands(Predicate<StepCommand> which, int count) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> commands().stream().filter(which).count() >= count);
    }

    List<StepCommand> commands() {
        return agents.commands(InMemoryMessaging.TOPICS.name("lockstep.commands.")).stream()
                .filter(c -> plan.equals(c.plan()))
                .toList();
    }
}
