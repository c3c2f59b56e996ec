package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.PlanEntity;
import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunPhase;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.coordinator.catalog.StoreEntity;
import io.lockstep.protocol.EventTypes;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The flow of a backup: walks {@link BackupStage} after every event, entering each stage whose gate is open and
 * stopping at the first closed one, and concludes with {@link BackupEvidence}'s verdict. Its methods return a
 * failure reason (or null) for {@link RunStateMachine} to act on.
 */
@ApplicationScoped
class BackupFlow {

    private static final Logger LOG = Logger.getLogger(BackupFlow.class);

    private final StepDispatcher dispatcher;
    private final RunEvents events;
    private final AgentLiveness liveness;

    BackupFlow(StepDispatcher dispatcher, RunEvents events, AgentLiveness liveness) {
        this.dispatcher = dispatcher;
        this.events = events;
        this.liveness = liveness;
    }

    /** A backup run just created, and why it cannot start (null when it can). */
    record Created(RunEntity run, String problem) {}

    /** Creates the run and its steps; when a store cannot be backed up, the steps are cancelled at once. */
    Created create(PlanEntity plan, String label, boolean pinned) {
        Instant now = dispatcher.now();
        RunEntity run = RunEntity.queued(plan.name, RunType.BACKUP, plan.spec, now);
        run.label = label;
        run.pinned = pinned;
        run.persist();
        BackupPlanner.Plan planned =
                BackupPlanner.plan(run, run.planSpec, id -> StoreEntity.findById(id), now, liveness);
        int seq = 0;
        for (PlannedStep p : planned.steps()) {
            StepEntity step = dispatcher.create(run, seq++, p);
            if (!planned.problems().isEmpty()) {
                step.state = StepState.CANCELLED;
            }
        }
        if (!planned.problems().isEmpty()) {
            return new Created(run, "cannot start: " + String.join("; ", planned.problems()));
        }
        run.state = RunState.RUNNING;
        run.startedAt = now;
        events.publish(run, EventTypes.RUN_STARTED);
        LOG.infof(
                "run %s of plan %s started with %d steps",
                run.id, run.plan, planned.steps().size());
        return new Created(run, null);
    }

    /** A SQL capture reported its snapshot point: rules 2 and 3 may now let objects and releases go. */
    String onSnapshotPoint(RunEntity run) {
        return run.phase == RunPhase.CAPTURING ? advance(run) : null;
    }

    /** A step of the backup succeeded: a capture must have written the artifact it was given, after its point. */
    String onSucceeded(RunEntity run, StepEntity step, String reportedArtifact) {
        if ((StepRoles.isSqlCapture(step) || StepRoles.isObjectCapture(step))
                && reportedArtifact != null
                && !reportedArtifact.equals(step.artifact)) {
            return StepRoles.describe(step) + " wrote " + reportedArtifact + " instead of " + step.artifact;
        }
        if (StepRoles.isSqlCapture(step) && step.snapshotAt == null) {
            return StepRoles.describe(step) + " finished without reporting its SQL snapshot point first";
        }
        if (run.phase != RunPhase.QUIESCING && run.phase != RunPhase.CAPTURING && run.phase != RunPhase.VERIFYING) {
            LOG.warnf("run %s got a step result in phase %s; ignored", run.id, run.phase);
            return null;
        }
        return advance(run);
    }

    /** Enters, in order, every stage whose gate is open; stops at the first closed gate or at a failure. */
    String advance(RunEntity run) {
        // Read once: dispatching changes the loaded (managed) steps themselves; only a stage that creates steps
        // makes the list stale.
        List<StepEntity> steps = StepEntity.ofRun(run.id);
        for (BackupStage stage : BackupStage.values()) {
            if (!stage.open(steps)) {
                return null;
            }
            if (stage == BackupStage.CONCLUDE) {
                return conclude(run, steps);
            }
            if (run.phase.ordinal() < stage.phase().ordinal()) {
                run.phase = stage.phase();
                if (stage == BackupStage.VERIFY) {
                    run.state = RunState.VERIFYING;
                    run.bytes = steps.stream()
                            .filter(StepRoles::isCapture)
                            .mapToLong(s -> s.bytes == null ? 0 : s.bytes)
                            .sum();
                }
            }
            if (enter(stage, run, steps)) {
                steps = StepEntity.ofRun(run.id);
            }
        }
        return null;
    }

    /**
     * Dispatches what the stage dispatches, once: its pending steps, or the steps it creates.
     *
     * @return whether it created steps
     */
    private boolean enter(BackupStage stage, RunEntity run, List<StepEntity> steps) {
        switch (stage) {
            case RELEASE -> {
                if (steps.stream().noneMatch(stage::dispatches)) {
                    List<PlannedStep> resumes = steps.stream()
                            .filter(StepRoles::isQuiesce)
                            .map(StepDispatcher::resumeOf)
                            .toList();
                    dispatcher.createAndDispatch(run, steps, resumes);
                    return !resumes.isEmpty();
                }
                return false;
            }
            case VERIFY -> {
                if (steps.stream().noneMatch(stage::dispatches)) {
                    PlanSpec spec = run.planSpec;
                    List<PlannedStep> verifications = steps.stream()
                            .filter(StepRoles::isCapture)
                            .map(c -> BackupPlanner.verification(run, spec, c))
                            .toList();
                    dispatcher.createAndDispatch(run, steps, verifications);
                    return !verifications.isEmpty();
                }
                return false;
            }
            default -> {
                PlanSpec spec = run.planSpec;
                for (StepEntity step : steps) {
                    if (stage.dispatches(step) && step.state == StepState.PENDING) {
                        if (StepRoles.isQuiesce(step)) {
                            dispatcher.dispatchPlanned(run, step);
                        } else {
                            dispatcher.dispatch(
                                    run,
                                    step,
                                    null,
                                    BackupPlanner.captureParameters(
                                            run,
                                            spec,
                                            step,
                                            StepRoles.isObjectCapture(step)
                                                    ? BaseSelection.manifestFor(run.plan, step.store)
                                                    : Optional.empty()));
                        }
                    }
                }
                return false;
            }
        }
    }

    /** {@link Rule#CONSISTENT_ONLY_WITH_EVIDENCE}: CONSISTENT, or the evidence's first failure. */
    private String conclude(RunEntity run, List<StepEntity> steps) {
        BackupEvidence.Verdict verdict = BackupEvidence.judge(steps);
        if (!verdict.consistent()) {
            return "verification failed: " + verdict.reason();
        }
        run.consistencyPoint = verdict.consistencyPoint();
        run.state = RunState.CONSISTENT;
        run.phase = RunPhase.DONE;
        run.endedAt = dispatcher.now();
        events.publish(run, EventTypes.RUN_CONSISTENT);
        events.ended(run);
        LOG.infof("run %s of plan %s is CONSISTENT at %s", run.id, run.plan, run.consistencyPoint);
        return null;
    }

    /** Whether a backup that just became CONSISTENT is to be proved restorable by a drill ({@code "verify"}). */
    static boolean drillAfter(RunEntity run) {
        return run.state == RunState.CONSISTENT && PlanSpec.VERIFY_RESTORE_DRILL.equals(run.planSpec.verify());
    }
}
