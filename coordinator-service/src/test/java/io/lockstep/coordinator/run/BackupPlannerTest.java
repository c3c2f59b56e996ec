package io.lockstep.coordinator.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.catalog.Json;
import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StoreEntity;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand.Parameters;
import io.lockstep.protocol.StoreKind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class BackupPlannerTest {

    static final Instant NOW = Instant.parse("2026-11-21T04:00:00Z");
    static final Duration LIVENESS = Duration.ofSeconds(30);

    static StoreEntity store(String id, StoreKind kind, String databases, Instant lastSeen) {
        StoreEntity s = new StoreEntity();
        s.id = id;
        s.kind = kind.name();
        s.agentId = id + "-agent";
        s.databases = databases;
        s.lastSeen = lastSeen;
        return s;
    }

    static RunEntity run() {
        RunEntity run = new RunEntity();
        run.id = UUID.fromString("00000000-0000-0000-0000-000000000001");
        run.plan = "shop";
        return run;
    }

    static final Map<String, StoreEntity> STORES = Map.of(
            "app", store("app", StoreKind.POSTGRES, "[\"shop\",\"auth\"]", NOW),
            "media", store("media", StoreKind.OBJECTSTORE, "[]", NOW),
            "search", store("search", StoreKind.SEARCH, "[]", NOW),
            "silent", store("silent", StoreKind.POSTGRES, "[\"x\"]", NOW.minusSeconds(60)),
            "empty", store("empty", StoreKind.POSTGRES, "[]", NOW));

    static PlanSpec spec(String json) {
        return Json.read(json, PlanSpec.class);
    }

    @Test
    void aThreeStoreBackupCapturesEveryDatabaseTheBucketAndQuiescesSearchBeforeItsSnapshot() {
        var plan = BackupPlanner.plan(
                run(),
                spec("{\"stores\": [\"app\", \"media\", \"search\"]}"),
                STORES::get,
                NOW,
                BackupPlanner.Liveness.window(LIVENESS, NOW));
        assertTrue(plan.problems().isEmpty(), plan.problems().toString());
        assertEquals(
                List.of(
                        "app BACKUP shop runs/shop/00000000-0000-0000-0000-000000000001/app/shop.dump",
                        "app BACKUP auth runs/shop/00000000-0000-0000-0000-000000000001/app/auth.dump",
                        "media BACKUP null runs/shop/00000000-0000-0000-0000-000000000001/media/objects.jsonl.gz",
                        "search QUIESCE null null",
                        "search BACKUP null search/search/"),
                plan.steps().stream()
                        .map(p -> p.store() + " " + p.action() + " " + p.database() + " " + p.artifact())
                        .toList());
    }

    @Test
    void aBackupCannotStartWithAnUnknownSilentOrEmptyStoreAndSaysWhy() {
        var plan = BackupPlanner.plan(
                run(),
                spec("{\"stores\": [\"gone\", \"silent\", \"empty\"]}"),
                STORES::get,
                NOW,
                BackupPlanner.Liveness.window(LIVENESS, NOW));
        assertEquals(3, plan.problems().size(), plan.problems().toString());
        assertTrue(plan.problems().get(0).contains("store gone is not announced"));
        assertTrue(plan.problems().get(1).contains("silent-agent sent its last heartbeat"));
        assertTrue(plan.problems().get(2).contains("lists no database"));
    }

    @Test
    void aDatabaseCaptureCarriesItsReferenceQueryAndCensusAndTheBucketVerificationResolvesTheKeys() {
        RunEntity run = run();
        PlanSpec spec = spec("{\"stores\": [\"app\", \"media\"], \"references\": [{\"store\": \"app\", \"database\": "
                + "\"shop\", \"query\": \"select key from images\", \"objects\": \"media\"}]}");
        StepEntity shop = step(StoreKind.POSTGRES, "app", "shop");
        Map<String, String> capture = BackupPlanner.captureParameters(run, spec, shop, Optional.empty());
        String prefix = "runs/shop/" + run.id + "/app/";
        assertEquals(
                Map.of(
                        Parameters.REFERENCE_QUERY,
                        "select key from images",
                        Parameters.REFERENCE_ARTIFACT,
                        prefix + "shop.refs.txt.gz",
                        Parameters.CENSUS_ARTIFACT,
                        prefix + "shop.tables.tsv"),
                capture);
        PlannedStep verify = BackupPlanner.verification(run, spec, step(StoreKind.OBJECTSTORE, "media", null));
        assertEquals(StepAction.VERIFY, verify.action());
        assertEquals(Map.of(Parameters.REFERENCE_ARTIFACTS, prefix + "shop.refs.txt.gz"), verify.parameters());
    }

    @Test
    void theVerificationOfAnIncrementalCopyIsToldItsBaseAndHowMuchItCopied() {
        RunEntity run = run();
        PlanSpec spec = spec("{\"stores\": [\"media\"]}");
        StepEntity incremental = step(StoreKind.OBJECTSTORE, "media", null);
        incremental.evidence = Map.of(
                EvidenceKeys.OBJECTS, "10000",
                EvidenceKeys.COPIED, "100",
                EvidenceKeys.BASE, "runs/shop/old/media/objects.jsonl.gz",
                EvidenceKeys.BLOBS_LISTED, "9900");
        assertEquals(
                Map.of(
                        Parameters.OBJECTS, "10000",
                        Parameters.COPIED, "100",
                        Parameters.PREVIOUS_MANIFEST, "runs/shop/old/media/objects.jsonl.gz"),
                BackupPlanner.verification(run, spec, incremental).parameters());

        // A base whose blobs were not listed (no such evidence) confirmed nothing: every blob is checked.
        StepEntity unconfirmed = step(StoreKind.OBJECTSTORE, "media", null);
        unconfirmed.evidence =
                Map.of(EvidenceKeys.OBJECTS, "10000", EvidenceKeys.COPIED, "100", EvidenceKeys.BASE, "runs/x.jsonl.gz");
        assertEquals(
                Map.of(Parameters.OBJECTS, "10000"),
                BackupPlanner.verification(run, spec, unconfirmed).parameters());
    }

    @Test
    void anObjectCopyStartsFromThePreviousManifestAndASearchCaptureNamesItsSnapshotAfterTheRun() {
        RunEntity run = run();
        PlanSpec spec = spec("{\"stores\": [\"media\", \"search\"]}");
        assertEquals(
                Map.of(Parameters.PREVIOUS_MANIFEST, "runs/shop/old/media/objects.jsonl.gz"),
                BackupPlanner.captureParameters(
                        run,
                        spec,
                        step(StoreKind.OBJECTSTORE, "media", null),
                        Optional.of("runs/shop/old/media/objects.jsonl.gz")));
        assertEquals(
                Map.of(Parameters.SNAPSHOT, "lockstep-" + run.id),
                BackupPlanner.captureParameters(run, spec, step(StoreKind.SEARCH, "search", null), Optional.empty()));
    }

    static StepEntity step(StoreKind kind, String store, String database) {
        StepEntity s = new StepEntity();
        s.id = UUID.randomUUID();
        s.store = store;
        s.storeKind = kind;
        s.action = StepAction.BACKUP;
        s.database = database;
        return s;
    }
}
