package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.RunPhase;
import io.lockstep.coordinator.catalog.StepEntity;
import java.util.List;
import java.util.function.Predicate;

/**
 * The stages of a backup, in order: what each dispatches and the gate that opens it. {@link BackupFlow} walks them
 * after every event and stops at the first closed gate; a stage already entered is not entered twice.
 *
 * <pre>
 *  stage         phase      gate (rule)                                 dispatches
 *  QUIESCE       QUIESCING  -                                           QUIESCE of every search store
 *  SNAPSHOT      CAPTURING  every quiesce acknowledged (1)              BACKUP of every database and search store
 *  COPY_OBJECTS  CAPTURING  every SQL snapshot point known (2)          BACKUP of every object store
 *  RELEASE       CAPTURING  search snapshots done, SQL points known (3) RESUME of every quiesced store
 *  VERIFY        VERIFYING  every capture succeeded (resumes sent)      VERIFY of every artifact
 *  CONCLUDE      DONE       every verification and release succeeded (4) BackupEvidence's verdict
 * </pre>
 */
enum BackupStage {
    QUIESCE(RunPhase.QUIESCING, null, BackupGates::open, StepRoles::isQuiesce),
    SNAPSHOT(
            RunPhase.CAPTURING,
            Rule.QUIESCE_FIRST,
            BackupGates::quiesced,
            s -> StepRoles.isSqlCapture(s) || StepRoles.isSearchCapture(s)),
    COPY_OBJECTS(RunPhase.CAPTURING, Rule.SQL_BEFORE_OBJECTS, BackupGates::sqlPointsKnown, StepRoles::isObjectCapture),
    RELEASE(RunPhase.CAPTURING, Rule.SEARCH_WHILE_QUIESCED, BackupGates::searchSnapshotsDone, StepRoles::isResume),
    VERIFY(RunPhase.VERIFYING, null, BackupGates::captured, StepRoles::isVerify),
    CONCLUDE(RunPhase.DONE, Rule.CONSISTENT_ONLY_WITH_EVIDENCE, BackupGates::verified, s -> false);

    private final RunPhase phase;
    private final Rule rule;
    private final Predicate<List<StepEntity>> gate;
    private final Predicate<StepEntity> dispatches;

    BackupStage(RunPhase phase, Rule rule, Predicate<List<StepEntity>> gate, Predicate<StepEntity> dispatches) {
        this.phase = phase;
        this.rule = rule;
        this.gate = gate;
        this.dispatches = dispatches;
    }

    /** The run's phase while this stage's steps run. */
    RunPhase phase() {
        return phase;
    }

    /** The ordering rule its gate enforces, or null. */
    Rule rule() {
        return rule;
    }

    boolean open(List<StepEntity> steps) {
        return gate.test(steps);
    }

    /** Whether a step is one this stage dispatches. */
    boolean dispatches(StepEntity step) {
        return dispatches.test(step);
    }
}
