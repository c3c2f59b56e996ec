package io.lockstep.coordinator.run;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.lockstep.coordinator.catalog.Json;
import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunPhase;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.coordinator.support.AgentEventsDriver;
import io.lockstep.coordinator.support.InMemoryMessaging;
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
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The restore order (docs/rules.md, "Restore order") and what a failure still does, driven through agent events over the real
 * catalog: waves in order, hooks around an in-place restore, drills into scratch targets cleaned up even on failure.
 */
@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(io.lockstep.coordinator.support.TestTokens.AsAdmin.class)
@QuarkusTestResource(InMemoryMessaging.class)
class RestoreFlowTest {

    @Inject
    @Any
    InMemoryConnector connector;

    @Inject
    RepositoryClient repository;

    InMemorySink<String> outbox;
    InMemorySource<String> agentEvents;
    AgentEventsDriver agents;
    String sql;
    String objects;
    String search;
    String plan;
    HttpServer hooks;
    final List<String> hookCalls = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        agentEvents = connector.source("agent-events");
        outbox = connector.sink("outbox");
        outbox.clear();
        agents = new AgentEventsDriver(agentEvents, outbox);
        String id = UUID.randomUUID().toString().substring(0, 8);
        sql = "sql-" + id;
        objects = "objects-" + id;
        search = "search-" + id;
        plan = "restore-" + id;
        agents.heartbeat("pg-" + id, StoreKind.POSTGRES, sql, List.of("orders"), Instant.now());
        agents.heartbeat("os-" + id, StoreKind.OBJECTSTORE, objects, List.of(), Instant.now());
        agents.heartbeat("es-" + id, StoreKind.SEARCH, search, List.of(), Instant.now());
        agents.drain();
        hooks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hooks.createContext("/", exchange -> {
            hookCalls.add(
                    exchange.getRequestURI().getPath() + " after " + commands().size() + " commands");
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().contains("broken") ? 500 : 204, -1);
            exchange.close();
        });
        hooks.start();
    }

    @AfterEach
    void tearDown() {
        hooks.stop(0);
    }

    @Test
    void anInPlaceRestoreRunsItsWavesInTheProductOrderBetweenTheHooks() {
        UUID backup = consistentBackup("{\"stores\": [\"" + sql + "\", \"" + objects + "\", \"" + search + "\"], "
                + "\"hooks\": {\"stopDependents\": \"" + hook("/stop") + "\", \"startDependents\": \"" + hook("/start")
                + "\"}}");
        String restore = startRestore(backup, "{}");

        awaitCommands(c -> c.action() == StepAction.VERIFY, 3);
        agents.drain();
        assertEquals(3, commands().size(), "only the artifact checks before anything is touched");
        assertEquals(List.of(), hookCalls, "dependents are stopped only once every artifact checked out");
        commands().forEach(c -> succeed(c, Map.of()));

        StepCommand quiesce = awaitCommand(c -> c.action() == StepAction.QUIESCE);
        assertEquals(search, quiesce.store());
        assertEquals(1, hookCalls.size(), "the stop hook ran before the quiesce");
        assertTrue(hookCalls.get(0).startsWith("/stop after 3 "), hookCalls::toString);
        succeed(quiesce, Map.of());

        StepCommand sqlRestore = awaitCommand(c -> c.action() == StepAction.RESTORE);
        assertEquals(sql, sqlRestore.store());
        assertEquals("orders", sqlRestore.database());
        assertEquals(
                "sha-" + sql, sqlRestore.expectedSha256(), "the agent checks the recorded SHA-256 while streaming");
        assertFalse(sqlRestore.parameters().containsKey(StepCommand.Parameters.TARGET_DATABASE), "in place");
        agents.drain();
        assertEquals(1, restores().size(), "objects wait for the SQL restore");
        succeed(sqlRestore, Map.of());

        awaitCommands(c -> c.action() == StepAction.RESTORE, 2);
        assertEquals(objects, restores().get(1).store());
        agents.drain();
        assertEquals(2, restores().size(), "search waits for the objects");
        succeed(restores().get(1), Map.of());

        awaitCommands(c -> c.action() == StepAction.RESTORE, 3);
        assertEquals(search, restores().get(2).store());
        assertEquals("lockstep-" + backup, restores().get(2).parameter(StepCommand.Parameters.SNAPSHOT));
        agents.drain();
        assertTrue(commands().stream().noneMatch(c -> c.action() == StepAction.RESUME), "resume after the snapshot");
        succeed(restores().get(2), Map.of());

        succeed(awaitCommand(c -> c.action() == StepAction.RESUME), Map.of());
        awaitState(restore, "SUCCEEDED");
        assertEquals(2, hookCalls.size(), hookCalls::toString);
        assertTrue(hookCalls.get(1).startsWith("/start"), hookCalls::toString);
        assertTrue(runEvents().contains(EventTypes.RESTORE_SUCCEEDED), runEvents()::toString);
    }

    @Test
    void aFailedRestoreStopsThereYetResumesIndexingAndStartsDependents() {
        UUID backup = consistentBackup("{\"stores\": [\"" + sql + "\", \"" + objects + "\", \"" + search + "\"], "
                + "\"hooks\": {\"stopDependents\": \"" + hook("/stop") + "\", \"startDependents\": \"" + hook("/start")
                + "\"}}");
        String restore = startRestore(backup, "{}");
        awaitCommands(c -> c.action() == StepAction.VERIFY, 3);
        commands().forEach(c -> succeed(c, Map.of()));
        succeed(awaitCommand(c -> c.action() == StepAction.QUIESCE), Map.of());
        StepCommand sqlRestore = awaitCommand(c -> c.action() == StepAction.RESTORE);
        send(
                EventTypes.STEP_FAILED,
                new StepEvents.Failed(
                        sqlRestore.runId(), sqlRestore.stepId(), "pg_restore failed: disk full", Instant.now()));

        awaitState(restore, "FAILED");
        awaitCommand(c -> c.action() == StepAction.RESUME);
        agents.drain();
        assertEquals(1, restores().size(), "nothing after the failed step was restored");
        assertTrue(given().get("/api/v1/runs/" + restore)
                .jsonPath()
                .getString("error")
                .contains("disk full"));
        await().atMost(Duration.ofSeconds(10)).until(() -> hookCalls.size() == 2);
        assertTrue(hookCalls.get(1).startsWith("/start"), "dependents are started again: " + hookCalls);
        assertTrue(runEvents().contains(EventTypes.RESTORE_FAILED), runEvents()::toString);
    }

    @Test
    void aStopHookThatFailsStopsTheRestoreBeforeAnythingIsTouched() {
        UUID backup = consistentBackup(
                "{\"stores\": [\"" + sql + "\"], \"hooks\": {\"stopDependents\": \"" + hook("/broken") + "\"}}");
        String restore = startRestore(backup, "{}");
        succeed(awaitCommand(c -> c.action() == StepAction.VERIFY), Map.of());

        awaitState(restore, "FAILED");
        assertTrue(given().get("/api/v1/runs/" + restore)
                .jsonPath()
                .getString("error")
                .contains("answered 500"));
        agents.drain();
        assertEquals(List.of(), restores(), "nothing restored");
    }

    @Test
    void aDrillUsesScratchTargetsAndDropsThemEvenWhenItFails() {
        UUID backup = consistentBackup("{\"stores\": [\"" + sql + "\", \"" + objects + "\", \"" + search + "\"]}");
        String drill = given().contentType("application/json")
                .body("{\"drill\": true}")
                .post("/api/v1/runs/" + backup + "/verify")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        awaitCommands(c -> c.action() == StepAction.VERIFY, 3);
        commands().forEach(c -> succeed(c, Map.of()));
        StepCommand sqlRestore = awaitCommand(c -> c.action() == StepAction.RESTORE);
        String scratch = sqlRestore.parameter(StepCommand.Parameters.TARGET_DATABASE);
        assertTrue(scratch.startsWith("orders_lsdrill_"), scratch);
        assertTrue(
                commands().stream().noneMatch(c -> c.action() == StepAction.QUIESCE),
                "a drill leaves the live " + "stores alone");
        succeed(sqlRestore, Map.of());
        StepCommand objectRestore =
                awaitCommand(c -> c.action() == StepAction.RESTORE && c.store().equals(objects));
        assertTrue(objectRestore.parameter(StepCommand.Parameters.TARGET_PREFIX).startsWith(".lockstep-drill/"));
        succeed(objectRestore, Map.of());
        StepCommand searchRestore =
                awaitCommand(c -> c.action() == StepAction.RESTORE && c.store().equals(search));
        assertTrue(searchRestore
                .parameter(StepCommand.Parameters.RENAME_REPLACEMENT)
                .startsWith("lsdrill-"));
        succeed(searchRestore, Map.of());
        awaitCommands(c -> c.action() == StepAction.CHECK, 3);
        StepCommand sqlCheck = commands().stream()
                .filter(c -> c.action() == StepAction.CHECK && c.store().equals(sql))
                .findFirst()
                .orElseThrow();
        assertEquals("census-" + sql, sqlCheck.parameter(StepCommand.Parameters.CENSUS_ARTIFACT));
        send(
                EventTypes.STEP_FAILED,
                new StepEvents.Failed(
                        sqlCheck.runId(),
                        sqlCheck.stepId(),
                        "table public.orders has 9 rows, the backup recorded 10",
                        Instant.now()));

        awaitState(drill, "FAILED");
        awaitCommands(c -> c.action() == StepAction.DROP, 3);
        var backupView = given().get("/api/v1/runs/" + backup).jsonPath();
        assertFalse(backupView.getBoolean("verified"));
        assertFalse(backupView.getBoolean("verification.passed"));
        assertTrue(backupView.getString("verification.reason").contains("9 rows"));
        assertTrue(runEvents().contains(EventTypes.RUN_VERIFICATION_FAILED), runEvents()::toString);
    }

    @Test
    void aPassingDrillMarksTheBackupVerifiedWithItsFigures() {
        UUID backup = consistentBackup("{\"stores\": [\"" + sql + "\"]}");
        Instant asked = Instant.now();
        String drill = given().contentType("application/json")
                .body("{\"drill\": true}")
                .post("/api/v1/runs/" + backup + "/verify")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        succeed(awaitCommand(c -> c.action() == StepAction.VERIFY), Map.of());
        succeed(awaitCommand(c -> c.action() == StepAction.RESTORE), Map.of());
        succeed(awaitCommand(c -> c.action() == StepAction.CHECK), Map.of("tables", "3", "rows", "1200"));
        succeed(awaitCommand(c -> c.action() == StepAction.DROP), Map.of());

        awaitState(drill, "SUCCEEDED");
        var backupView = given().get("/api/v1/runs/" + backup).jsonPath();
        assertTrue(backupView.getBoolean("verified"));
        assertEquals(1200, backupView.getInt("verification.rows"));
        long rto = backupView.getLong("verification.rtoMillis");
        assertTrue(
                rto >= 0 && rto <= Duration.between(asked, Instant.now()).toMillis(),
                "the time to restore lies within the drill: " + rto);
        assertEquals(
                List.of(backup.toString()),
                given().get("/api/v1/runs?verified=true&plan=" + plan)
                        .jsonPath()
                        .getList("id"));
        assertTrue(runEvents().contains(EventTypes.RUN_VERIFIED), runEvents()::toString);
    }

    @Test
    void aPlanThatAsksForDrillsGetsOneAfterEachConsistentBackup() {
        given().contentType("application/json")
                .body("{\"stores\": [\"" + sql + "\"], \"verify\": \"restore-drill\"}")
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(201);
        String backup = given().contentType("application/json")
                .body("{}")
                .post("/api/v1/plans/" + plan + "/backups")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        StepCommand capture = awaitCommand(c -> c.action() == StepAction.BACKUP);
        assertEquals(
                capture.artifact().replace(".dump", ".tables.tsv"),
                capture.parameter(StepCommand.Parameters.CENSUS_ARTIFACT),
                "the census is taken beside the dump");
        send(
                EventTypes.STEP_SNAPSHOT_TAKEN,
                new StepEvents.SnapshotTaken(
                        capture.runId(), capture.stepId(), Instant.now(), "0/16B3748", "00000003-00000002-1"));
        send(
                EventTypes.STEP_SUCCEEDED,
                new StepEvents.Succeeded(
                        capture.runId(),
                        capture.stepId(),
                        100,
                        "sha-dump",
                        capture.artifact(),
                        Instant.now(),
                        Instant.now(),
                        Map.of("censusArtifact", "c", "censusSha256", "s")));
        StepCommand verify = awaitCommand(c -> c.action() == StepAction.VERIFY);
        send(
                EventTypes.STEP_SUCCEEDED,
                new StepEvents.Succeeded(
                        verify.runId(),
                        verify.stepId(),
                        100,
                        "sha-dump",
                        verify.artifact(),
                        Instant.now(),
                        Instant.now(),
                        Map.of("tocEntries", "9")));

        awaitState(backup, "CONSISTENT");
        StepCommand drillCheck = awaitCommand(
                c -> c.action() == StepAction.VERIFY && !c.runId().toString().equals(backup));
        var drills = given().get("/api/v1/runs?type=drill&plan=" + plan).jsonPath();
        assertEquals(List.of(drillCheck.runId().toString()), drills.getList("id"));
        assertEquals(backup, drills.getString("[0].sourceRunId"));
        assertEquals("sha-dump", drillCheck.expectedSha256());
    }

    @Test
    void onlyConsistentBackupsAreRestoredUnlessForced() {
        UUID backup = consistentBackup("{\"stores\": [\"" + sql + "\"]}");
        QuarkusTransaction.requiringNew().run(() -> {
            RunEntity run = RunEntity.findById(backup);
            run.state = RunState.FAILED;
        });
        given().contentType("application/json")
                .body("{}")
                .post("/api/v1/runs/" + backup + "/restore")
                .then()
                .statusCode(409)
                .contentType("application/problem+json");
        given().contentType("application/json")
                .body("{\"force\": true}")
                .post("/api/v1/runs/" + backup + "/restore")
                .then()
                .statusCode(202);
    }

    @Test
    void aBackupWhoseArtifactIsGoneIsRefusedBeforeAnythingStarts() {
        UUID backup = consistentBackup("{\"stores\": [\"" + sql + "\"]}");
        String dump = "runs/" + plan + "/" + backup + "/" + sql;
        repository.get().orElseThrow().delete(dump);

        given().contentType("application/json")
                .body("{}")
                .post("/api/v1/runs/" + backup + "/restore")
                .then()
                .statusCode(422)
                .body("detail", org.hamcrest.Matchers.containsString(dump));
        agents.drain();
        assertEquals(List.of(), commands(), "nothing was dispatched");
    }

    @Test
    void anUnusableRenameReplacementIsRefusedWith400() {
        UUID backup = consistentBackup("{\"stores\": [\"" + sql + "\", \"" + objects + "\", \"" + search + "\"]}");
        for (String replacement : List.of("x-$", "x-${missing}", "x-$9")) {
            given().contentType("application/json")
                    .body("{\"stores\": [\"" + search + "\"], \"targets\": {\"" + search
                            + "\": {\"renamePattern\": \"(.+)\", \"renameReplacement\": \""
                            + replacement.replace("$", "$") + "\"}}}")
                    .post("/api/v1/runs/" + backup + "/restore")
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("detail", org.hamcrest.Matchers.containsString("rename pattern"));
        }
        given().contentType("application/json")
                .body("{\"stores\": [\"" + search + "\"], \"targets\": {\"" + search
                        + "\": {\"renamePattern\": \"([\", \"renameReplacement\": \"x\"}}}")
                .post("/api/v1/runs/" + backup + "/restore")
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
    }

    // ------------------------------------------------------------------ helpers

    /** A CONSISTENT backup of the plan's stores, as the catalog holds one after a run. */
    UUID consistentBackup(String spec) {
        given().contentType("application/json")
                .body(spec)
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(201);
        UUID id = UUID.randomUUID();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> {
            RunEntity run = new RunEntity();
            run.id = id;
            run.plan = plan;
            run.type = RunType.BACKUP;
            run.state = RunState.CONSISTENT;
            run.phase = RunPhase.DONE;
            run.planSpec = Json.read(spec, PlanSpec.class);
            run.createdAt = at;
            run.startedAt = at;
            run.endedAt = at;
            run.persist();
            int seq = 0;
            for (String store : spec.contains(objects) ? List.of(sql, objects, search) : List.of(sql)) {
                StepEntity step = new StepEntity();
                step.id = UUID.randomUUID();
                step.runId = id;
                step.seq = seq++;
                step.store = store;
                step.storeKind = store.equals(sql)
                        ? StoreKind.POSTGRES
                        : store.equals(objects) ? StoreKind.OBJECTSTORE : StoreKind.SEARCH;
                step.action = StepAction.BACKUP;
                step.database = store.equals(sql) ? "orders" : null;
                step.state = StepState.SUCCEEDED;
                step.artifact =
                        store.equals(search) ? "search/" + store + "/" : "runs/" + plan + "/" + id + "/" + store;
                step.sha256 = store.equals(search) ? null : "sha-" + store;
                step.bytes = 1000L;
                step.evidence = store.equals(sql)
                        ? Map.of("censusArtifact", "census-" + sql, "censusSha256", "c")
                        : store.equals(search)
                                ? Map.of(
                                        "snapshot",
                                        "lockstep-" + id,
                                        "indices",
                                        "products",
                                        "documentCounts",
                                        "products=7")
                                : Map.of();
                step.createdAt = at;
                step.persist();
                if (!store.equals(search)) {
                    repository.get().ifPresent(r -> r.put(step.artifact, "artifact".getBytes()));
                }
            }
        });
        return id;
    }

    String startRestore(UUID backup, String body) {
        return given().contentType("application/json")
                .body(body)
                .post("/api/v1/runs/" + backup + "/restore")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
    }

    String hook(String path) {
        return "http://127.0.0.1:" + hooks.getAddress().getPort() + path;
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

    void awaitState(String runId, String state) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> state.equals(
                        given().get("/api/v1/runs/" + runId).jsonPath().getString("state")));
    }

    StepCommand awaitCommand(Predicate<StepCommand> which) {
        await().atMost(Duration.ofSeconds(10)).until(() -> commands().stream().anyMatch(which));
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

    List<StepCommand> restores() {
        return commands().stream().filter(c -> c.action() == StepAction.RESTORE).toList();
    }

    List<String> runEvents() {
        return outbox.received().stream()
                .filter(m -> AgentEventsDriver.topic(m).equals(InMemoryMessaging.TOPICS.runEvents()))
                .map(m -> EventCodec.decode(m.getPayload()))
                .filter(e -> plan.equals(EventCodec.payload(e, RunEvent.class).plan()))
                .map(e -> e.type())
                .toList();
    }
}
