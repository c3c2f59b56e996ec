package io.lockstep.coordinator.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.catalog.Json;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class BackupEvidenceTest {

    static final Instant T0 = Instant.parse("2026-11-21T04:00:00Z");

    static StepEntity capture(String db, Instant snapshot, Instant ended, String sha) {
        StepEntity s = new StepEntity();
        s.id = UUID.randomUUID();
        s.store = "app";
        s.storeKind = StoreKind.POSTGRES;
        s.action = StepAction.BACKUP;
        s.database = db;
        s.state = StepState.SUCCEEDED;
        s.snapshotAt = snapshot;
        s.endedAt = ended;
        s.artifact = "runs/p/r/app/" + db + ".dump";
        s.sha256 = sha;
        s.bytes = 1000L;
        return s;
    }

    static StepEntity verify(StepEntity capture, String sha, long bytes, String tocEntries) {
        StepEntity s = new StepEntity();
        s.id = UUID.randomUUID();
        s.store = capture.store;
        s.storeKind = capture.storeKind;
        s.action = StepAction.VERIFY;
        s.database = capture.database;
        s.state = StepState.SUCCEEDED;
        s.artifact = capture.artifact;
        s.sha256 = sha;
        s.bytes = bytes;
        s.evidence = Map.of("tocEntries", tocEntries);
        return s;
    }

    @Test
    void consistentRunTakesTheLatestSqlSnapshotAsItsPoint() {
        StepEntity a = capture("a", T0, T0.plusSeconds(10), "aa");
        StepEntity b = capture("b", T0.plusSeconds(2), T0.plusSeconds(5), "bb");
        var verdict = BackupEvidence.judge(List.of(a, b, verify(a, "aa", 1000, "5"), verify(b, "bb", 1000, "7")));
        assertTrue(verdict.consistent(), verdict.reason());
        assertEquals(T0.plusSeconds(2), verdict.consistencyPoint());
    }

    @Test
    void snapshotAfterTheDumpEndedIsNoEvidence() {
        StepEntity a = capture("a", T0.plusSeconds(60), T0, "aa");
        var verdict = BackupEvidence.judge(List.of(a, verify(a, "aa", 1000, "5")));
        assertFalse(verdict.consistent());
        assertTrue(verdict.reason().contains("after its dump ended"), verdict.reason());
    }

    @Test
    void missingSnapshotIsNoEvidence() {
        StepEntity a = capture("a", null, T0, "aa");
        assertTrue(BackupEvidence.judge(List.of(a, verify(a, "aa", 1000, "5")))
                .reason()
                .contains("no SQL snapshot"));
    }

    @Test
    void unverifiedArtifactIsNotConsistent() {
        StepEntity a = capture("a", T0, T0, "aa");
        assertTrue(BackupEvidence.judge(List.of(a)).reason().contains("was not verified"));
    }

    @Test
    void hashOrSizeMismatchOrUnparseableDumpFails() {
        StepEntity a = capture("a", T0, T0, "aa");
        assertTrue(BackupEvidence.judge(List.of(a, verify(a, "xx", 1000, "5")))
                .reason()
                .contains("re-reads with SHA-256 xx"));
        assertTrue(BackupEvidence.judge(List.of(a, verify(a, "aa", 999, "5")))
                .reason()
                .contains("999 bytes"));
        assertTrue(BackupEvidence.judge(List.of(a, verify(a, "aa", 1000, "0")))
                .reason()
                .contains("no entries"));
    }

    static StepEntity step(StoreKind kind, StepAction action, String store, String evidence) {
        StepEntity s = new StepEntity();
        s.id = UUID.randomUUID();
        s.store = store;
        s.storeKind = kind;
        s.action = action;
        s.state = StepState.SUCCEEDED;
        s.evidence = Json.readMap(evidence);
        return s;
    }

    /** A three-store run whose recorded times follow the rules; each test breaks one of them. */
    static List<StepEntity> threeStores(
            Instant quiesced,
            Instant sql,
            Instant listing,
            Instant snapStart,
            Instant snapEnd,
            Instant releaseRequested,
            Instant released) {
        StepEntity quiesce = step(StoreKind.SEARCH, StepAction.QUIESCE, "es", "{\"quiescedAt\":\"" + quiesced + "\"}");
        StepEntity dump = capture("a", sql, sql.plusSeconds(30), "aa");
        StepEntity objects =
                step(StoreKind.OBJECTSTORE, StepAction.BACKUP, "os", "{\"listingStartedAt\":\"" + listing + "\"}");
        objects.artifact = "runs/p/r/os/objects.jsonl.gz";
        objects.sha256 = "mm";
        objects.bytes = 10L;
        StepEntity snapshot = step(
                StoreKind.SEARCH,
                StepAction.BACKUP,
                "es",
                "{\"snapshotStartedAt\":\"" + snapStart + "\",\"snapshotEndedAt\":\"" + snapEnd
                        + "\",\"state\":\"SUCCESS\",\"shardsFailed\":\"0\"}");
        snapshot.artifact = "search/es/";
        StepEntity resume = step(
                StoreKind.SEARCH,
                StepAction.RESUME,
                "es",
                "{\"resumedAt\":\"" + released + "\",\"leaseUnbroken\":\"true\"}");
        resume.dispatchedAt = releaseRequested;
        StepEntity verifyObjects = verify(objects, "mm", 10, "0");
        verifyObjects.evidence = Map.of("blobsMissing", "0", "dangling", "0");
        StepEntity verifySnapshot =
                step(StoreKind.SEARCH, StepAction.VERIFY, "es", "{\"state\":\"SUCCESS\",\"shardsFailed\":\"0\"}");
        verifySnapshot.artifact = "search/es/";
        return List.of(
                quiesce, dump, objects, snapshot, resume, verify(dump, "aa", 1000, "4"), verifyObjects, verifySnapshot);
    }

    @Test
    void aThreeStoreRunThatFollowsTheRulesIsConsistentAtItsSqlSnapshot() {
        var verdict = BackupEvidence.judge(threeStores(
                T0,
                T0.plusSeconds(1),
                T0.plusSeconds(2),
                T0.plusSeconds(1),
                T0.plusSeconds(3),
                T0.plusSeconds(3),
                T0.plusSeconds(4)));
        assertTrue(verdict.consistent(), verdict.reason());
        assertEquals(T0.plusSeconds(1), verdict.consistencyPoint());
    }

    @Test
    void aQuiesceLeaseThatLapsedBeforeItsReleaseMeansTheWindowHasAGap() {
        List<StepEntity> steps = threeStores(
                T0,
                T0.plusSeconds(1),
                T0.plusSeconds(2),
                T0.plusSeconds(1),
                T0.plusSeconds(3),
                T0.plusSeconds(3),
                T0.plusSeconds(4));
        StepEntity resume = steps.stream()
                .filter(s -> s.action == StepAction.RESUME)
                .findFirst()
                .orElseThrow();
        resume.evidence = Map.of("resumedAt", T0.plusSeconds(4).toString(), "leaseUnbroken", "false");

        var verdict = BackupEvidence.judge(steps);

        assertFalse(verdict.consistent());
        assertTrue(verdict.reason().contains("lapsed or was lost"), verdict.reason());
    }

    @Test
    void anSqlSnapshotBeforeTheQuiesceBreaksRuleOne() {
        var verdict = BackupEvidence.judge(threeStores(
                T0.plusSeconds(2),
                T0.plusSeconds(1),
                T0.plusSeconds(3),
                T0.plusSeconds(3),
                T0.plusSeconds(4),
                T0.plusSeconds(4),
                T0.plusSeconds(5)));
        assertFalse(verdict.consistent());
        assertTrue(verdict.reason().contains("before es was quiesced"), verdict.reason());
    }

    @Test
    void anObjectListingBeforeTheSqlPointBreaksRuleTwo() {
        var verdict = BackupEvidence.judge(threeStores(
                T0,
                T0.plusSeconds(2),
                T0.plusSeconds(1),
                T0.plusSeconds(1),
                T0.plusSeconds(3),
                T0.plusSeconds(3),
                T0.plusSeconds(4)));
        assertFalse(verdict.consistent());
        assertTrue(verdict.reason().contains("before the SQL consistency point"), verdict.reason());
    }

    @Test
    void aReleaseBeforeTheSnapshotEndedOrBeforeTheSqlPointBreaksRuleThree() {
        var early = BackupEvidence.judge(threeStores(
                T0,
                T0.plusSeconds(1),
                T0.plusSeconds(2),
                T0.plusSeconds(1),
                T0.plusSeconds(5),
                T0.plusSeconds(3),
                T0.plusSeconds(4)));
        assertTrue(early.reason().contains("before its snapshot ended"), early.reason());
        var beforeSql = BackupEvidence.judge(threeStores(
                T0,
                T0.plusSeconds(5),
                T0.plusSeconds(6),
                T0.plusSeconds(1),
                T0.plusSeconds(2),
                T0.plusSeconds(3),
                T0.plusSeconds(4)));
        assertTrue(beforeSql.reason().contains("before the last SQL snapshot point"), beforeSql.reason());
    }

    @Test
    void aPartialSnapshotIsNotConsistent() {
        List<StepEntity> steps = threeStores(
                T0,
                T0.plusSeconds(1),
                T0.plusSeconds(2),
                T0.plusSeconds(1),
                T0.plusSeconds(3),
                T0.plusSeconds(3),
                T0.plusSeconds(4));
        steps.get(3).evidence = Json.readMap(Json.write(steps.get(3).evidence).replace("SUCCESS", "PARTIAL"));
        assertTrue(BackupEvidence.judge(steps).reason().contains("PARTIAL"));
    }

    /** The three-store run with a cross-store reference: the dump recorded 3 keys, the manifest resolved them. */
    static List<StepEntity> withReferences(Map<String, String> verifyEvidence) {
        List<StepEntity> steps = threeStores(
                T0,
                T0.plusSeconds(1),
                T0.plusSeconds(2),
                T0.plusSeconds(1),
                T0.plusSeconds(3),
                T0.plusSeconds(3),
                T0.plusSeconds(4));
        String refs = "runs/p/r/app/a.refs.txt.gz";
        steps.get(1).evidence = Map.of("referenceKeys", "3", "referenceArtifact", refs);
        StepEntity verifyObjects = steps.get(6);
        verifyObjects.parameters = Map.of("referenceArtifacts", refs);
        verifyObjects.evidence = verifyEvidence;
        return steps;
    }

    @Test
    void referencesResolvedAsTheSqlRecordedThemAreConsistent() {
        var verdict = BackupEvidence.judge(
                withReferences(Map.of("blobsMissing", "0", "dangling", "0", "references", "3", "orphans", "9")));
        assertTrue(verdict.consistent(), verdict.reason());
    }

    @Test
    void aMissingDanglingCountFailsInsteadOfPassing() {
        var verdict = BackupEvidence.judge(withReferences(Map.of("blobsMissing", "0", "references", "3")));
        assertFalse(verdict.consistent());
        assertTrue(verdict.reason().contains("no dangling-reference count"), verdict.reason());
    }

    @Test
    void danglingReferencesFail() {
        var verdict =
                BackupEvidence.judge(withReferences(Map.of("blobsMissing", "0", "dangling", "2", "references", "3")));
        assertFalse(verdict.consistent());
        assertTrue(verdict.reason().contains("2 dangling references"), verdict.reason());
    }

    @Test
    void aReferenceCountOtherThanTheCapturesFails() {
        var fewer =
                BackupEvidence.judge(withReferences(Map.of("blobsMissing", "0", "dangling", "0", "references", "2")));
        assertFalse(fewer.consistent());
        assertTrue(
                fewer.reason().contains("resolved 2 reference keys but the SQL captures recorded 3"), fewer.reason());
        var none = BackupEvidence.judge(withReferences(Map.of("blobsMissing", "0", "dangling", "0")));
        assertFalse(none.consistent());
        assertTrue(none.reason().contains("no reference count"), none.reason());
    }

    @Test
    void aReferenceArtifactNoCaptureRecordedFails() {
        List<StepEntity> steps = withReferences(Map.of("blobsMissing", "0", "dangling", "0", "references", "3"));
        steps.get(1).evidence = Map.of();
        var verdict = BackupEvidence.judge(steps);
        assertFalse(verdict.consistent());
        assertTrue(verdict.reason().contains("no SQL capture recorded the reference keys"), verdict.reason());
    }

    @Test
    void runThatCapturedNothingIsNotConsistent() {
        assertFalse(BackupEvidence.judge(List.of()).consistent());
    }
}
