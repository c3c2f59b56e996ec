package io.lockstep.coordinator.retention;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.lockstep.coordinator.support.ManualSchedulingMessaging;
import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.RunEvent;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StepEvents;
import io.lockstep.protocol.StoreKind;
import io.lockstep.repository.BackupRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySink;
import io.smallrye.reactive.messaging.memory.InMemorySource;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retention over the real catalog and the real backup repository (S3Proxy): runs, manifests, dumps and blobs are
 * laid out as the agents write them, then expired through the API.
 */
@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(io.lockstep.coordinator.support.TestTokens.AsAdmin.class)
@QuarkusTestResource(ManualSchedulingMessaging.class)
class RetentionTest {

    @Inject
    @Any
    InMemoryConnector connector;

    @Inject
    RepositoryClient client;

    BackupRepository repository;
    InMemorySink<String> outbox;
    InMemorySource<String> agentEvents;
    String id;
    String plan;
    String db;
    String bucket;
    String search;

    @BeforeEach
    void setUp() {
        repository = client.get().orElseThrow();
        repository.ensureBucket();
        outbox = connector.sink("outbox");
        outbox.clear();
        agentEvents = connector.source("agent-events");
        id = UUID.randomUUID().toString().substring(0, 8);
        plan = "keep-" + id;
        db = "db-" + id;
        bucket = "bucket-" + id;
        search = "search-" + id;
        AgentEventsDriver agents = new AgentEventsDriver(agentEvents, outbox);
        agents.heartbeat("agent-" + db, StoreKind.POSTGRES, db, List.of("app"), Instant.now());
        agents.heartbeat("agent-" + bucket, StoreKind.OBJECTSTORE, bucket, List.of(), Instant.now());
        agents.heartbeat("agent-" + search, StoreKind.SEARCH, search, List.of(), Instant.now());
        await().atMost(Duration.ofSeconds(30))
                .until(() -> given().get("/api/v1/stores")
                        .jsonPath()
                        .getList("id")
                        .containsAll(List.of(db, bucket, search)));
    }

    @Test
    void keepLastTwoOfFourDeletesTheOldestRunsArtifactsAndOnlyTheBlobsTheyAloneReferenced() throws Exception {
        putPlan("{\"keepLast\": 2}");
        UUID r1 = consistentRun(4, "shared", "only-r1", "r1-and-r2");
        UUID r2 = consistentRun(3, "shared", "r1-and-r2", "r2-and-r3");
        UUID r3 = consistentRun(2, "shared", "r2-and-r3");
        UUID r4 = consistentRun(1, "shared", "only-r4");

        JsonPath pass = applyRetention();

        assertEquals(2, pass.getInt("expired"));
        assertEquals(2, pass.getInt("collection.deleted"));
        for (UUID gone : List.of(r1, r2)) {
            assertEquals(Map.of(), repository.list(runPrefix(gone)), "artifacts of " + gone);
            JsonPath run = given().get("/api/v1/runs/" + gone).jsonPath();
            assertNotNull(run.getString("expiredAt"));
            assertTrue(
                    run.getString("expiryReason").contains("no retention rule keeps it (keepLast 2)"),
                    run.getString("expiryReason"));
        }
        for (UUID kept : List.of(r3, r4)) {
            assertTrue(repository.exists(manifestKey(kept)));
            assertTrue(repository.exists(dumpKey(kept)));
            assertNull(given().get("/api/v1/runs/" + kept).jsonPath().getString("expiringAt"));
        }
        assertFalse(repository.exists(blob("only-r1")));
        assertFalse(repository.exists(blob("r1-and-r2")));
        for (String needed : List.of("shared", "r2-and-r3", "only-r4")) {
            assertTrue(repository.exists(blob(needed)), needed + " is still referenced");
        }
        assertEquals(Set.of(r1, r2), Set.copyOf(awaitRunEvents(EventTypes.RUN_EXPIRED, 2)));
    }

    @Test
    void aPinnedRunSurvivesRetentionAndNeedsForceToDelete() throws Exception {
        putPlan("{\"keepLast\": 1}");
        UUID pinned = consistentRun(3, "p1");
        UUID old = consistentRun(2, "p2");
        UUID newest = consistentRun(1, "p3");
        given().contentType("application/json")
                .body("{\"pinned\": true}")
                .patch("/api/v1/runs/" + pinned)
                .then()
                .statusCode(200)
                .body("pinned", org.hamcrest.Matchers.is(true));

        JsonPath preview = given().get("/api/v1/plans/" + plan + "/retention?dryRun=true")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals("pinned", preview.getString("runs.find { it.runId == '" + pinned + "' }.reason"));
        assertEquals("expire", preview.getString("runs.find { it.runId == '" + old + "' }.action"));
        assertEquals("keep", preview.getString("runs.find { it.runId == '" + newest + "' }.action"));
        assertTrue(repository.exists(manifestKey(old)), "a dry run deletes nothing");

        assertEquals(1, applyRetention().getInt("expired"));
        assertTrue(repository.exists(manifestKey(pinned)));
        assertTrue(repository.exists(blob("p1")));
        assertFalse(repository.exists(blob("p2")));

        given().delete("/api/v1/runs/" + pinned)
                .then()
                .statusCode(409)
                .body("detail", org.hamcrest.Matchers.containsString("pinned"));
        given().delete("/api/v1/runs/" + newest)
                .then()
                .statusCode(409)
                .body("detail", org.hamcrest.Matchers.containsString("newest CONSISTENT"));
        given().delete("/api/v1/runs/" + pinned + "?force=true")
                .then()
                .statusCode(202)
                .body("expiryReason", org.hamcrest.Matchers.containsString("deleted through the API"));
        applyRetention();
        assertFalse(repository.exists(manifestKey(pinned)));
    }

    @Test
    void aRunStillGoingCannotBeDeletedAndItsStoresBlobsAreNotCollected() throws Exception {
        putPlan("{\"keepLast\": 1}");
        consistentRun(3, "expiring-blob");
        consistentRun(1, "kept-blob");
        UUID running = run(RunState.RUNNING, Instant.now(), false);
        repository.put(blob("uploaded-by-the-running-backup"), "x".getBytes(StandardCharsets.UTF_8));

        given().delete("/api/v1/runs/" + running)
                .then()
                .statusCode(409)
                .body("detail", org.hamcrest.Matchers.containsString("RUNNING"));
        JsonPath pass = applyRetention();

        assertEquals(1, pass.getInt("expired"));
        assertEquals(List.of(bucket), pass.getList("collection.busyStores"));
        assertTrue(repository.exists(blob("uploaded-by-the-running-backup")), "not yet in any manifest");
        assertTrue(repository.exists(blob("expiring-blob")), "the store is busy: its blobs wait for the next pass");
    }

    @Test
    void aRunThatADrillIsReadingCannotBeDeletedEvenWithForce() throws Exception {
        putPlan("{\"keepLast\": 5}");
        UUID source = consistentRun(2, "read-by-drill");
        consistentRun(1, "newer");
        UUID drill = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> {
            RunEntity run = new RunEntity();
            run.id = drill;
            run.plan = plan;
            run.type = RunType.DRILL;
            run.state = RunState.RUNNING;
            run.phase = RunPhase.CAPTURING;
            run.sourceRunId = source;
            run.planSpec = new PlanSpec(List.of(db, bucket), null, null, null, null, null, null, null);
            run.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
            run.startedAt = run.createdAt;
            run.persist();
        });

        given().delete("/api/v1/runs/" + source + "?force=true")
                .then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("detail", org.hamcrest.Matchers.containsString("being read by drill run " + drill));
        assertNull(given().get("/api/v1/runs/" + source).jsonPath().getString("expiringAt"));

        QuarkusTransaction.requiringNew()
                .run(() -> RunEntity.update("state = ?1 where id = ?2", RunState.CONSISTENT, drill));
        given().delete("/api/v1/runs/" + source).then().statusCode(202);
    }

    @Test
    void anExpiredRunsSearchSnapshotIsDeletedByItsAgentBeforeTheRunCountsAsExpired() throws Exception {
        putPlan("{\"keepLast\": 1}");
        UUID old = consistentRun(2, "s1");
        addSearchSnapshot(old);
        consistentRun(1, "s2");

        assertEquals(0, applyRetention().getInt("expired"), "the snapshot is not deleted yet");
        StepCommand expire = await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> outbox.received().stream()
                                .filter(m -> AgentEventsDriver.topic(m)
                                        .equals(InMemoryMessaging.TOPICS.commands(StoreKind.SEARCH)))
                                .map(m -> EventCodec.decodePayload(m.getPayload(), StepCommand.class))
                                .filter(c -> c.action() == StepAction.EXPIRE
                                        && c.runId().equals(old))
                                .findFirst()
                                .orElse(null),
                        java.util.Objects::nonNull);
        assertEquals(search, expire.store());
        assertEquals("lockstep-" + old, expire.parameter(StepCommand.Parameters.SNAPSHOT));
        assertFalse(repository.exists(manifestKey(old)), "repository artifacts go first");
        assertNull(given().get("/api/v1/runs/" + old).jsonPath().getString("expiredAt"));

        EventCodec agent = new EventCodec("/agents/agent-" + search);
        agentEvents.send(agent.encode(
                EventTypes.STEP_ACCEPTED,
                "run",
                new StepEvents.Accepted(old, expire.stepId(), "agent-" + search, Instant.now())));
        agentEvents.send(agent.encode(
                EventTypes.STEP_SUCCEEDED,
                "run",
                new StepEvents.Succeeded(
                        old, expire.stepId(), 0, null, null, Instant.now(), Instant.now(), Map.of("deleted", "true"))));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> QuarkusTransaction.requiringNew()
                                .call(() -> StepEntity.<StepEntity>findById(expire.stepId()).state)
                        == StepState.SUCCEEDED);

        assertEquals(1, applyRetention().getInt("expired"));
        assertNotNull(given().get("/api/v1/runs/" + old).jsonPath().getString("expiredAt"));
        assertEquals(List.of(old), awaitRunEvents(EventTypes.RUN_EXPIRED, 1));
    }

    @Test
    void invalidRetentionGetsAProblemNamingTheField() {
        given().contentType("application/json")
                .body("{\"stores\": [\"" + db + "\"], \"retention\": {\"keepWeekly\": \"4\"}}")
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(400)
                .body("detail", org.hamcrest.Matchers.containsString("\"keepWeekly\""));
        given().contentType("application/json")
                .body("{\"stores\": [\"" + db + "\"], \"retention\": {\"failedAfter\": 3}}")
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(400)
                .body("detail", org.hamcrest.Matchers.containsString("\"failedAfter\""));
        given().contentType("application/json")
                .body("{\"pinned\": \"yes please\"}")
                .patch("/api/v1/runs/" + UUID.randomUUID())
                .then()
                .statusCode(400);
        given().contentType("application/json")
                .body("{\"pinned\": true}")
                .patch("/api/v1/runs/" + UUID.randomUUID())
                .then()
                .statusCode(404);
    }

    // ---------------------------------------------------------------- fixtures

    void putPlan(String retention) {
        given().contentType("application/json")
                .body("{\"stores\": [\"" + db + "\", \"" + bucket + "\"], \"retention\": " + retention + "}")
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(201);
    }

    JsonPath applyRetention() {
        return given().post("/api/v1/plans/" + plan + "/retention")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    /** A CONSISTENT run {@code daysAgo} old with a dump and an object manifest naming the given blobs. */
    UUID consistentRun(int daysAgo, String... blobs) throws IOException {
        UUID run = run(RunState.CONSISTENT, Instant.now().minus(Duration.ofDays(daysAgo)), true);
        repository.put(dumpKey(run), ("dump of " + run).getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream manifest = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(manifest)) {
            for (String name : blobs) {
                gz.write(("{\"key\":\"" + name + "\",\"size\":1,\"etag\":\"e\",\"sha256\":\"" + sha(name)
                                + "\",\"blob\":\"" + blob(name) + "\"}\n")
                        .getBytes(StandardCharsets.UTF_8));
                if (!repository.exists(blob(name))) {
                    repository.put(blob(name), name.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        repository.put(manifestKey(run), manifest.toByteArray());
        repository.put(runPrefix(run) + "run.json", "{}".getBytes(StandardCharsets.UTF_8));
        return run;
    }

    UUID run(RunState state, Instant at, boolean ended) {
        UUID id = UUID.randomUUID();
        Instant t = at.truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> {
            RunEntity run = new RunEntity();
            run.id = id;
            run.plan = plan;
            run.type = RunType.BACKUP;
            run.state = state;
            run.phase = ended ? RunPhase.DONE : RunPhase.CAPTURING;
            run.planSpec = new PlanSpec(List.of(db, bucket), null, null, null, null, null, null, null);
            run.createdAt = t.minusSeconds(120);
            run.startedAt = run.createdAt;
            if (ended) {
                run.consistencyPoint = t.minusSeconds(60);
                run.endedAt = t;
                run.manifestWrittenAt = t;
            }
            run.persist();
            step(run, 0, db, StoreKind.POSTGRES, dumpKey(id), ended);
            step(run, 1, bucket, StoreKind.OBJECTSTORE, manifestKey(id), ended);
        });
        return id;
    }

    void addSearchSnapshot(UUID runId) {
        QuarkusTransaction.requiringNew().run(() -> {
            RunEntity run = RunEntity.findById(runId);
            StepEntity step = step(run, 2, search, StoreKind.SEARCH, "search/" + search + "/", true);
            step.evidence = Map.of("snapshot", "lockstep-" + runId);
        });
    }

    static StepEntity step(RunEntity run, int seq, String store, StoreKind kind, String artifact, boolean ended) {
        StepEntity step = new StepEntity();
        step.id = UUID.randomUUID();
        step.runId = run.id;
        step.seq = seq;
        step.store = store;
        step.storeKind = kind;
        step.action = StepAction.BACKUP;
        step.state = ended ? StepState.SUCCEEDED : StepState.RUNNING;
        step.artifact = artifact;
        step.createdAt = run.createdAt;
        step.dispatchedAt = run.createdAt;
        step.persist();
        return step;
    }

    String runPrefix(UUID run) {
        return "runs/" + plan + "/" + run + "/";
    }

    String dumpKey(UUID run) {
        return runPrefix(run) + db + "/app.dump";
    }

    String manifestKey(UUID run) {
        return runPrefix(run) + bucket + "/objects.jsonl.gz";
    }

    String blob(String name) {
        return "blobs/" + bucket + "/" + sha(name);
    }

    static String sha(String name) {
        try {
            return java.util.HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                            .digest(name.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    List<UUID> awaitRunEvents(String type, int count) {
        return await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> {
                            List<UUID> ids = new ArrayList<>();
                            for (var m : outbox.received()) {
                                CloudEvent e = EventCodec.decode(m.getPayload());
                                if (type.equals(e.type())) {
                                    RunEvent event = EventCodec.payload(e, RunEvent.class);
                                    if (plan.equals(event.plan())) {
                                        ids.add(event.runId());
                                    }
                                }
                            }
                            return ids;
                        },
                        ids -> ids.size() >= count);
    }
}
