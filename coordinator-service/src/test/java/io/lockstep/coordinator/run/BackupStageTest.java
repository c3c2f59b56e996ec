package io.lockstep.coordinator.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class BackupStageTest {

    static StepEntity step(StoreKind kind, StepAction action, StepState state) {
        StepEntity s = new StepEntity();
        s.id = UUID.randomUUID();
        s.store = kind.name().toLowerCase();
        s.storeKind = kind;
        s.action = action;
        s.state = state;
        return s;
    }

    final StepEntity quiesce = step(StoreKind.SEARCH, StepAction.QUIESCE, StepState.RUNNING);
    final StepEntity sql = step(StoreKind.POSTGRES, StepAction.BACKUP, StepState.PENDING);
    final StepEntity search = step(StoreKind.SEARCH, StepAction.BACKUP, StepState.PENDING);
    final StepEntity objects = step(StoreKind.OBJECTSTORE, StepAction.BACKUP, StepState.PENDING);
    final List<StepEntity> steps = List.of(quiesce, sql, search, objects);

    @Test
    void nothingIsCapturedBeforeEverySearchStoreAcknowledgedItsQuiesce() {
        assertFalse(BackupStage.SNAPSHOT.open(steps));
        quiesce.state = StepState.SUCCEEDED;
        assertTrue(BackupStage.SNAPSHOT.open(steps));
        assertEquals(Rule.QUIESCE_FIRST, BackupStage.SNAPSHOT.rule());
    }

    @Test
    void objectsWaitForEverySqlSnapshotPointWhateverElseSucceeded() {
        quiesce.state = StepState.SUCCEEDED;
        search.state = StepState.SUCCEEDED;
        sql.state = StepState.RUNNING;
        assertFalse(BackupStage.COPY_OBJECTS.open(steps));
        assertFalse(BackupStage.RELEASE.open(steps));
        sql.snapshotAt = Instant.parse("2026-11-21T04:00:00Z");
        assertTrue(BackupStage.COPY_OBJECTS.open(steps));
        assertEquals(Rule.SQL_BEFORE_OBJECTS, BackupStage.COPY_OBJECTS.rule());
    }

    @Test
    void searchIsReleasedOnceItsSnapshotIsDoneAndSqlPointsAreKnownWithoutWaitingForTheDump() {
        quiesce.state = StepState.SUCCEEDED;
        sql.state = StepState.RUNNING;
        sql.snapshotAt = Instant.parse("2026-11-21T04:00:00Z");
        search.state = StepState.RUNNING;
        assertFalse(BackupStage.RELEASE.open(steps));
        search.state = StepState.SUCCEEDED;
        assertTrue(BackupStage.RELEASE.open(steps));
        assertEquals(Rule.SEARCH_WHILE_QUIESCED, BackupStage.RELEASE.rule());
        assertFalse(BackupStage.VERIFY.open(steps), "the dump is still streaming");
    }

    @Test
    void searchIsReleasedOnceItsAgentReportsTheSnapshotCompleteWhileItsFilesAreStillCopied() {
        quiesce.state = StepState.SUCCEEDED;
        sql.state = StepState.RUNNING;
        search.state = StepState.RUNNING;
        search.evidence = Map.of("snapshotStartedAt", "2026-11-21T04:00:00Z");
        assertFalse(BackupStage.RELEASE.open(steps), "snapshot still running");
        StepDispatcher.markSearchSnapshotDone(search, Instant.parse("2026-11-21T04:00:02Z"));
        assertEquals("2026-11-21T04:00:00Z", search.evidence.get("snapshotStartedAt"), "evidence kept");
        assertFalse(BackupStage.RELEASE.open(steps), "an SQL snapshot point is still unknown");
        sql.snapshotAt = Instant.parse("2026-11-21T04:00:01Z");
        assertTrue(BackupStage.RELEASE.open(steps));
        assertFalse(BackupStage.VERIFY.open(steps), "the snapshot's files are still being copied");
        search.state = StepState.FAILED;
        assertFalse(BackupStage.RELEASE.open(steps), "a failed step releases through the failure path only");
    }

    @Test
    void verificationStartsOnceEveryCaptureSucceededAndTheRunConcludesOnlyAfterTheRelease() {
        quiesce.state = StepState.SUCCEEDED;
        steps.forEach(s -> s.state = StepState.SUCCEEDED);
        objects.state = StepState.RUNNING;
        assertFalse(BackupStage.VERIFY.open(steps), "the object copy is still running");
        objects.state = StepState.SUCCEEDED;
        assertTrue(BackupStage.VERIFY.open(steps), "verification runs while the search store resumes");
        StepEntity resume = step(StoreKind.SEARCH, StepAction.RESUME, StepState.RUNNING);
        StepEntity verify = step(StoreKind.SEARCH, StepAction.VERIFY, StepState.SUCCEEDED);
        List<StepEntity> resuming = List.of(quiesce, sql, search, objects, resume, verify);
        assertFalse(BackupStage.CONCLUDE.open(resuming), "the quiesced store is not released yet");
        resume.state = StepState.SUCCEEDED;
        assertTrue(BackupStage.CONCLUDE.open(resuming));
        assertFalse(BackupStage.CONCLUDE.open(List.of(quiesce, sql, search, objects, verify)), "no release at all");
        verify.state = StepState.RUNNING;
        assertFalse(BackupStage.CONCLUDE.open(resuming), "a verification is still running");
    }

    @Test
    void eachStageDispatchesItsOwnStepsAndTheStagesRunInPhaseOrder() {
        assertTrue(BackupStage.QUIESCE.dispatches(quiesce));
        assertTrue(BackupStage.SNAPSHOT.dispatches(sql) && BackupStage.SNAPSHOT.dispatches(search));
        assertFalse(BackupStage.SNAPSHOT.dispatches(objects));
        assertTrue(BackupStage.COPY_OBJECTS.dispatches(objects));
        List<Integer> phases = Arrays.stream(BackupStage.values())
                .map(s -> s.phase().ordinal())
                .toList();
        assertEquals(phases.stream().sorted().toList(), phases);
    }

    @Test
    void theEvidenceNamesTheRuleThatDidNotHold() {
        quiesce.state = StepState.SUCCEEDED;
        quiesce.evidence = Map.of("quiescedAt", "2026-11-21T04:00:10Z");
        StepEntity early = BackupEvidenceTest.capture(
                "shop", Instant.parse("2026-11-21T04:00:05Z"), Instant.parse("2026-11-21T04:01:00Z"), "aa");
        var verdict = BackupEvidence.judge(List.of(quiesce, early, BackupEvidenceTest.verify(early, "aa", 1000, "5")));
        assertFalse(verdict.consistent());
        assertTrue(verdict.reason().startsWith(Rule.QUIESCE_FIRST.cite()), verdict.reason());
    }
}
