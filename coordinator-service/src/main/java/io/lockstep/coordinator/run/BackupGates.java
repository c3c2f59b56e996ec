package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.protocol.EvidenceKeys;
import java.util.List;

/**
 * The conditions that open the stages of a backup ({@link BackupStage}), each evaluated on the run's steps as they
 * are now. The ordering rules are the first three; {@link BackupEvidence} re-checks them afterwards from the recorded
 * times.
 */
final class BackupGates {

    private BackupGates() {}

    /** Nothing to wait for. */
    static boolean open(List<StepEntity> steps) {
        return true;
    }

    /** {@link Rule#QUIESCE_FIRST}: every search store acknowledged its quiesce (none to wait for without search). */
    static boolean quiesced(List<StepEntity> steps) {
        return steps.stream().filter(StepRoles::isQuiesce).allMatch(s -> s.state == StepState.SUCCEEDED);
    }

    /** {@link Rule#SQL_BEFORE_OBJECTS}: every SQL capture reported its snapshot point. */
    static boolean sqlPointsKnown(List<StepEntity> steps) {
        return steps.stream().filter(StepRoles::isSqlCapture).allMatch(s -> s.snapshotAt != null);
    }

    /**
     * {@link Rule#SEARCH_WHILE_QUIESCED}: every search snapshot completed (its agent reported it, or the step
     * succeeded; the copy of its files into the repository may still run) and every SQL snapshot point is known.
     */
    static boolean searchSnapshotsDone(List<StepEntity> steps) {
        return sqlPointsKnown(steps)
                && steps.stream().filter(StepRoles::isSearchCapture).allMatch(BackupGates::snapshotDone);
    }

    private static boolean snapshotDone(StepEntity search) {
        return search.state == StepState.SUCCEEDED
                || (search.state == StepState.RUNNING
                        && search.evidence != null
                        && search.evidence.containsKey(EvidenceKeys.SNAPSHOT_ENDED_AT));
    }

    /**
     * Every capture succeeded. Verification does not wait for the release: the stage before it already sent the
     * resumes, and re-reading what the captures wrote runs while the search stores resume.
     */
    static boolean captured(List<StepEntity> steps) {
        return steps.stream().filter(StepRoles::isCapture).allMatch(s -> s.state == StepState.SUCCEEDED);
    }

    /** Every quiesced store was released: a resume of each succeeded. */
    static boolean released(List<StepEntity> steps) {
        boolean resumed = steps.stream().filter(StepRoles::isResume).allMatch(s -> s.state == StepState.SUCCEEDED);
        return resumed
                && (steps.stream().noneMatch(StepRoles::isQuiesce)
                        || steps.stream().anyMatch(StepRoles::isResume));
    }

    /**
     * {@link Rule#CONSISTENT_ONLY_WITH_EVIDENCE}: every verification succeeded and every quiesced store was released;
     * the evidence is judged next.
     */
    static boolean verified(List<StepEntity> steps) {
        return steps.stream().anyMatch(StepRoles::isVerify)
                && steps.stream().filter(StepRoles::isVerify).allMatch(s -> s.state == StepState.SUCCEEDED)
                && released(steps);
    }
}
