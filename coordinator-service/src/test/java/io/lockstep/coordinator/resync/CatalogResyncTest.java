package io.lockstep.coordinator.resync;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.coordinator.catalog.PlanEntity;
import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunPhase;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.coordinator.retention.BlobCollector;
import io.lockstep.coordinator.retention.RunStatusRecords;
import io.lockstep.coordinator.support.ManualSchedulingMessaging;
import io.lockstep.coordinator.support.TestTokens;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import io.lockstep.repository.BackupRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The catalog rebuilt from the repository alone, over the real catalog and repository (S3Proxy): runs whose run.json
 * and status records the coordinator wrote are dropped from the catalog, then {@code POST /repository/resync} brings
 * them back as the API showed them before (pins, drill verification and check damage from the newest status record
 * included); a second resync adds nothing; a run that cannot be read is listed and left out, and its blobs survive
 * blob collection.
 */
@QuarkusTest
@ExtendWith(TestTokens.AsAdmin.class)
@QuarkusTestResource(ManualSchedulingMessaging.class)
class CatalogResyncTest {

    @Inject
    RepositoryClient client;

    @Inject
    BlobCollector collector;

    @Inject
    RunStatusRecords statusRecords;

    BackupRepository repository;
    String plan;

    @BeforeEach
    void setUp() {
        repository = client.get().orElseThrow();
        repository.ensureBucket();
        plan = "resync-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void runsDroppedFromTheCatalogComeBackAsTheyWereAndASecondResyncAddsNothing() throws Exception {
        PlanSpec spec = new PlanSpec(
                List.of("db", "media"),
                "0 4 * * *",
                null,
                EventCodec.mapper().readTree("{\"keepLast\": 3}"),
                null,
                null,
                null,
                null);
        QuarkusTransaction.requiringNew().run(() -> {
            PlanEntity p = new PlanEntity();
            p.name = plan;
            p.spec = spec;
            p.createdAt = Instant.now();
            p.updatedAt = p.createdAt;
            p.persist();
        });
        UUID consistent = run(RunState.CONSISTENT, spec, 3, null);
        UUID failed = run(RunState.FAILED, spec, 2, null);
        UUID drill = run(RunState.SUCCEEDED, spec, 1, consistent);
        awaitWritten(consistent);
        awaitWritten(failed);
        awaitWritten(drill);
        // Facts that change after run.json: a pin, a passed drill, what a check found.
        QuarkusTransaction.requiringNew().run(() -> {
            RunEntity r = RunEntity.findById(consistent);
            r.pinned = true;
            r.verified = true;
            r.verifiedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
            r.verification = Map.of("outcome", "PASSED", "rtoMillis", 1234);
            r.damage = Map.of("checkId", "c1", "problems", List.of(Map.of("kind", "BLOB_MISSING", "key", "k")));
        });
        long version = QuarkusTransaction.requiringNew().call(() -> RunEntity.<RunEntity>findById(consistent).version);
        String status = RunStatusRecords.key(plan, consistent, version);
        await("status record " + status).atMost(Duration.ofSeconds(30)).until(() -> repository.exists(status));
        JsonNode consistentBefore = view(consistent);
        JsonNode failedBefore = view(failed);
        JsonNode drillBefore = view(drill);
        dropFromCatalog(List.of(drill, consistent, failed));
        given().get("/api/v1/runs/" + consistent).then().statusCode(404);

        JsonNode report = resync();

        assertEquals(3, report.path("runsFound").asInt(), report::toPrettyString);
        assertEquals(3, report.path("runsCreated").asInt(), report::toPrettyString);
        assertEquals(
                Map.of("CONSISTENT", 1, "FAILED", 1, "SUCCEEDED", 1),
                EventCodec.mapper().convertValue(report.path("runsByState"), Map.class));
        assertEquals(6, report.path("stepsCreated").asInt(), report::toPrettyString);
        assertEquals(0, report.path("sourceRunsMissing").asInt(), report::toPrettyString);
        assertEquals(1, report.path("statusRecords").asInt(), report::toPrettyString);
        assertEquals(List.of(plan), strings(report.path("plansCreated")));
        assertEquals(0, report.path("unreadable").size(), report::toPrettyString);
        assertEquals(consistentBefore, view(consistent), "the run as the API showed it before");
        assertEquals(failedBefore, view(failed));
        assertEquals(drillBefore, view(drill), "the drill, with the backup it used");
        assertTrue(view(consistent).path("pinned").asBoolean());
        assertTrue(view(consistent).path("warnings").size() > 0, "the check's damage came back");
        JsonNode rebuiltPlan = given().get("/api/v1/plans/" + plan)
                .then()
                .statusCode(200)
                .extract()
                .as(JsonNode.class);
        assertEquals("0 4 * * *", rebuiltPlan.path("schedule").asText());
        assertEquals(3, rebuiltPlan.path("retention").path("keepLast").asInt());
        QuarkusTransaction.requiringNew().run(() -> {
            StepEntity first = StepEntity.ofRun(consistent).get(0);
            assertEquals(Map.of("snapshot", "s-" + consistent), first.parameters, "step details of format 2");
            assertEquals("0/16B3748", first.snapshotLsn);
        });

        JsonNode again = resync();

        assertEquals(0, again.path("runsCreated").asInt(), again::toPrettyString);
        assertEquals(3, again.path("runsAlreadyPresent").asInt(), again::toPrettyString);
        assertEquals(List.of(), strings(again.path("plansCreated")));
        assertEquals(List.of(plan), strings(again.path("plansAlreadyPresent")));

        // A change after the resync writes a status record that sorts after the one the run was rebuilt from.
        given().contentType("application/json")
                .body("{\"pinned\": false}")
                .patch("/api/v1/runs/" + consistent)
                .then()
                .statusCode(200);
        long newer = QuarkusTransaction.requiringNew().call(() -> RunEntity.<RunEntity>findById(consistent).version);
        assertTrue(newer > version, newer + " > " + version);
        String next = RunStatusRecords.key(plan, consistent, newer);
        await("status record " + next).atMost(Duration.ofSeconds(30)).until(() -> repository.exists(next));
        assertTrue(next.compareTo(status) > 0);
    }

    @Test
    void anUnreadableRunIsListedAndLeftOutAndItsBlobsSurviveCollection() throws Exception {
        UUID unreadable = UUID.randomUUID();
        String prefix = "runs/" + plan + "/" + unreadable + "/";
        String blob = "blobs/media-" + plan + "/" + "ab".repeat(32);
        repository.put(blob, "kept".getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream manifest = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(manifest)) {
            gz.write(("{\"key\":\"k\",\"size\":4,\"sha256\":\"" + "ab".repeat(32) + "\",\"blob\":\"" + blob + "\"}\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        repository.put(prefix + "media/objects.jsonl.gz", manifest.toByteArray());
        repository.put(prefix + "run.json", "{\"format\": 99}".getBytes(StandardCharsets.UTF_8));
        String unfinished = "runs/" + plan + "/" + UUID.randomUUID() + "/";
        repository.put(unfinished + "db/app.dump", "partial".getBytes(StandardCharsets.UTF_8));

        JsonNode report = resync();

        assertEquals(0, report.path("runsFound").asInt(), report::toPrettyString);
        assertEquals(1, report.path("unreadable").size(), report::toPrettyString);
        assertEquals(
                prefix + "run.json",
                report.path("unreadable").get(0).path("key").asText());
        assertTrue(report.path("unreadable").get(0).path("reason").asText().contains("format 99"));
        assertEquals(1, report.path("withoutManifest").asInt(), report::toPrettyString);
        assertEquals(List.of(unfinished), strings(report.path("withoutManifestSample")));
        given().get("/api/v1/runs/" + unreadable).then().statusCode(404);
        assertNull(QuarkusTransaction.requiringNew().call(() -> PlanEntity.findById(plan)), "no run, no plan");

        BlobCollector.Result collection = collector.collect(Instant.now());

        assertNull(collection.stoppedBecause(), collection.toString());
        assertTrue(repository.exists(blob), "a blob the unread run's object manifest names is kept");
    }

    @Test
    void aDrillWhoseBackupIsGoneComesBackWithoutTheLink() {
        PlanSpec spec = new PlanSpec(List.of("db"), null, null, null, null, null, null, null);
        UUID backup = run(RunState.CONSISTENT, spec, 1, null);
        UUID drill = run(RunState.SUCCEEDED, spec, 1, backup);
        awaitWritten(backup);
        awaitWritten(drill);
        dropFromCatalog(List.of(drill, backup));
        repository.delete("runs/" + plan + "/" + backup + "/run.json");

        JsonNode report = resync();

        assertEquals(1, report.path("runsCreated").asInt(), report::toPrettyString);
        assertEquals(1, report.path("sourceRunsMissing").asInt(), report::toPrettyString);
        JsonNode rebuilt = view(drill);
        assertEquals("DRILL", rebuilt.path("type").asText(), rebuilt::toPrettyString);
        assertFalse(rebuilt.has("sourceRunId"), rebuilt::toPrettyString);
    }

    @Test
    void aRunWhoseExpiryBeganComesBackExpiringAndRetentionFinishesIt() {
        PlanSpec spec = new PlanSpec(List.of("db"), null, null, null, null, null, null, null);
        UUID older = run(RunState.CONSISTENT, spec, 1, null);
        UUID newer = run(RunState.CONSISTENT, spec, 1, null);
        awaitWritten(older);
        awaitWritten(newer);
        // Retention's first step on an expiring run, then the catalog is lost before anything was deleted.
        QuarkusTransaction.requiringNew().run(() -> {
            RunEntity r = RunEntity.findById(older);
            r.expiringAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
            r.expiryReason = "deleted through the API";
            RunEntity.flush();
            statusRecords.writeExpiring(r);
        });
        dropFromCatalog(List.of(older, newer));

        JsonNode report = resync();

        assertEquals(2, report.path("runsCreated").asInt(), report::toPrettyString);
        JsonNode rebuilt = view(older);
        assertEquals("deleted through the API", rebuilt.path("expiryReason").asText(), rebuilt::toPrettyString);
        assertTrue(rebuilt.hasNonNull("expiringAt"), rebuilt::toPrettyString);
        assertFalse(view(newer).has("expiringAt"));
        given().post("/api/v1/plans/" + plan + "/retention").then().statusCode(200);
        assertEquals(Map.of(), repository.list("runs/" + plan + "/" + older + "/"), "run.json and records deleted");
        assertTrue(view(older).hasNonNull("expiredAt"));
        assertTrue(repository.exists("runs/" + plan + "/" + newer + "/run.json"));
    }

    @Test
    void aResyncNeedsTheAdminRole() {
        given().header("Authorization", "Bearer " + TestTokens.OPERATOR)
                .post("/api/v1/repository/resync")
                .then()
                .statusCode(403);
    }

    // ---------------------------------------------------------------- fixtures

    JsonNode resync() {
        return given().queryParam("plan", plan)
                .post("/api/v1/repository/resync")
                .then()
                .statusCode(200)
                .extract()
                .as(JsonNode.class);
    }

    static JsonNode view(UUID run) {
        return given().get("/api/v1/runs/" + run)
                .then()
                .statusCode(200)
                .extract()
                .as(JsonNode.class);
    }

    void awaitWritten(UUID run) {
        String key = "runs/" + plan + "/" + run + "/run.json";
        await("run.json of " + run).atMost(Duration.ofSeconds(30)).until(() -> repository.exists(key));
        await("run.json of " + run + " recorded")
                .atMost(Duration.ofSeconds(30))
                .until(() ->
                        QuarkusTransaction.requiringNew().call(() -> RunEntity.<RunEntity>findById(run).statusVersion)
                                != null);
    }

    void dropFromCatalog(List<UUID> runs) {
        QuarkusTransaction.requiringNew().run(() -> {
            StepEntity.delete("runId in ?1", runs);
            RunEntity.delete("id in ?1", runs);
            PlanEntity.deleteById(plan);
            PlanEntity.getEntityManager()
                    .createNativeQuery("delete from plan_schedules where plan_name = :plan")
                    .setParameter("plan", plan)
                    .executeUpdate();
        });
    }

    /**
     * An ended run of {@code steps} steps (the first a PostgreSQL dump with its snapshot), not written yet: a backup, or
     * (with a {@code source}) a drill of that backup, created after it.
     */
    UUID run(RunState state, PlanSpec spec, int steps, UUID source) {
        UUID id = UUID.randomUUID();
        Instant t = Instant.now().truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> {
            RunEntity run = RunEntity.queued(
                    plan,
                    source == null ? RunType.BACKUP : RunType.DRILL,
                    spec,
                    t.minusSeconds(source == null ? 60 : 20));
            run.id = id;
            run.sourceRunId = source;
            run.state = state;
            run.phase = RunPhase.DONE;
            run.startedAt = run.createdAt;
            run.endedAt = t;
            run.bytes = 2048;
            run.label = "nightly";
            run.consistencyPoint = state == RunState.CONSISTENT ? t.minusSeconds(30) : null;
            run.error = state == RunState.FAILED ? "agent-db reported: disk full" : null;
            run.persist();
            for (int i = 0; i < steps; i++) {
                StepEntity s = new StepEntity();
                s.id = UUID.randomUUID();
                s.runId = id;
                s.seq = i;
                s.store = i == 0 ? "db" : "media";
                s.storeKind = i == 0 ? StoreKind.POSTGRES : StoreKind.OBJECTSTORE;
                s.action = i == 2 ? StepAction.VERIFY : StepAction.BACKUP;
                s.database = i == 0 ? "app" : null;
                s.state = state == RunState.FAILED && i == 0 ? StepState.FAILED : StepState.SUCCEEDED;
                s.agentId = "agent-" + s.store;
                s.artifact = "runs/" + plan + "/" + id + "/" + s.store + "/artifact-" + i;
                s.bytes = 1024L;
                s.items = 3L;
                s.sha256 = "ab".repeat(32);
                s.evidence = Map.of("keyId", "tink-1", "objects", "3");
                s.parameters = i == 0 ? Map.of("snapshot", "s-" + id) : Map.of();
                s.snapshotAt = i == 0 ? t.minusSeconds(30) : null;
                s.snapshotLsn = i == 0 ? "0/16B3748" : null;
                s.createdAt = run.createdAt;
                s.dispatchedAt = run.createdAt.plusSeconds(1);
                s.startedAt = run.createdAt.plusSeconds(2);
                s.endedAt = t.minusSeconds(i);
                s.error = s.state == StepState.FAILED ? "disk full" : null;
                s.persist();
            }
        });
        return id;
    }

    static List<String> strings(JsonNode array) {
        return EventCodec.mapper().convertValue(array, List.class);
    }

    @Test
    void aFormatOneRunJsonGivesTheSnapshotBackOutOfTheEvidence() throws Exception {
        UUID run = UUID.randomUUID();
        String json = """
                {"format": 1, "plan": {"stores": ["db"]},
                 "run": {"id": "%s", "plan": "p", "type": "BACKUP", "state": "CONSISTENT", "phase": "DONE",
                         "pinned": false, "bytes": 10, "createdAt": "2026-11-30T10:00:00Z",
                         "endedAt": "2026-11-30T10:01:00Z", "verified": true,
                         "steps": [{"id": "%s", "store": "db", "kind": "POSTGRES", "action": "BACKUP", "wave": 0,
                                    "state": "SUCCEEDED", "createdAt": "2026-11-30T10:00:00Z",
                                    "evidence": {"snapshotTime": "2026-11-30T10:00:30Z", "lsn": "0/1", "x": "y"}}]}}
                """.formatted(run, UUID.randomUUID());

        RunManifestReader.Rebuilt rebuilt = RunManifestReader.read(json.getBytes(StandardCharsets.UTF_8));

        assertEquals(run, rebuilt.run().id);
        assertTrue(rebuilt.run().verified);
        StepEntity step = rebuilt.steps().get(0);
        assertEquals(Instant.parse("2026-11-30T10:00:30Z"), step.snapshotAt);
        assertEquals("0/1", step.snapshotLsn);
        assertEquals(Map.of("x", "y"), step.evidence);
        assertFalse(step.evidence.containsKey("lsn"));
    }
}
