package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.PlanEntity;
import io.lockstep.coordinator.catalog.RestoreOptions;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunPhase;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.StepEvents;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;

/**
 * The one entry point for run transitions: every change to a run's state, phase or steps goes through here. Each
 * method runs inside the caller's transaction with the run row locked, writes the commands and run events it causes
 * to the outbox in that same transaction, and ignores an event that does not fit: a step that already ended, a run
 * that already ended (except the outcome of a cleanup or a snapshot deletion, which is always recorded).
 * <p>
 * It delegates by {@link RunType}: a backup to {@link BackupFlow} (stages and gates in {@link BackupStage}, verdict
 * in {@link BackupEvidence}), every other type to {@link RestoreFlow} (waves planned by {@link RestorePlanner});
 * steps are created and dispatched by {@link StepDispatcher}. The flows return a failure reason, and
 * {@link #fail} is the one way a run fails.
 */
@ApplicationScoped
@Transactional(Transactional.TxType.MANDATORY)
public class RunStateMachine {

    private static final Logger LOG = Logger.getLogger(RunStateMachine.class);

    private final StepDispatcher dispatcher;
    private final BackupFlow backups;
    private final RestoreFlow restores;
    private final RunEvents events;
    private final StepWatch watch;

    RunStateMachine(
            StepDispatcher dispatcher, BackupFlow backups, RestoreFlow restores, RunEvents events, StepWatch watch) {
        this.dispatcher = dispatcher;
        this.backups = backups;
        this.restores = restores;
        this.events = events;
        this.watch = watch;
    }

    // ---------------------------------------------------------------- start

    /**
     * Creates a backup run of a plan and starts it: QUIESCING (or CAPTURING without search stores), or FAILED at
     * once when a store cannot be backed up (unknown, no live agent, nothing to back up).
     */
    public RunEntity startBackup(PlanEntity plan, String label, boolean pinned) {
        BackupFlow.Created created = backups.create(plan, label, pinned);
        settle(created.run(), created.problem() != null ? created.problem() : backups.advance(created.run()));
        return created.run();
    }

    /**
     * Starts a run that uses a backup: a restore, a restore drill, a dry run or a re-verification. Its steps are
     * planned at once and run in waves.
     *
     * @throws RestoreRejectedException when the request cannot be served; nothing is written then
     */
    public RunEntity startDerived(RunEntity source, RunType type, RestoreOptions options) {
        RunEntity run = restores.create(source, type, options);
        settle(run, restores.advance(run));
        return run;
    }

    // ---------------------------------------------------------------- agent events

    public void onAccepted(StepEvents.Accepted event) {
        withStep(event.runId(), event.stepId(), (run, step) -> {
            if (step.state == StepState.DISPATCHED) {
                step.state = StepState.RUNNING;
                step.acceptedAt = event.at();
                if (step.agentId == null) {
                    step.agentId = event.agentId(); // dispatched while no agent served its store
                }
            }
        });
    }

    public void onSnapshotTaken(StepEvents.SnapshotTaken event) {
        withStep(event.runId(), event.stepId(), (run, step) -> {
            if (StepRoles.isSearchCapture(step)) {
                StepDispatcher.markSearchSnapshotDone(step, event.snapshotTime());
            } else if (StepRoles.isSqlCapture(step)) {
                step.snapshotAt = event.snapshotTime();
                step.snapshotLsn = event.lsn();
            } else {
                LOG.warnf("ignoring snapshot event for %s step %s", step.action, step.id);
                return;
            }
            settle(run, backups.onSnapshotPoint(run));
        });
    }

    public void onProgress(StepEvents.Progress event) {
        withStep(event.runId(), event.stepId(), (run, step) -> StepDispatcher.markProgress(step, event));
    }

    public void onSucceeded(StepEvents.Succeeded event) {
        withStep(event.runId(), event.stepId(), (run, step) -> {
            StepDispatcher.markSucceeded(step, event);
            if (run.state.terminal()) {
                return; // a cleanup or a snapshot deletion that completed after the run ended: recorded, nothing else
            }
            settle(
                    run,
                    run.type == RunType.BACKUP
                            ? backups.onSucceeded(run, step, event.artifact())
                            : restores.advance(run));
        });
    }

    public void onFailed(StepEvents.Failed event) {
        withStep(event.runId(), event.stepId(), (run, step) -> {
            dispatcher.markFailed(step, event.reason(), event.at());
            if (!run.state.terminal()) {
                fail(run, StepRoles.describe(step) + " failed: " + event.reason());
            }
        });
    }

    /** A search store's lease ran out and its agent resumed it by itself: the quiet window is gone. */
    public void onLeaseExpired(StepEvents.LeaseExpired event) {
        RunEntity run = RunEntity.findById(event.runId(), LockModeType.PESSIMISTIC_WRITE);
        if (run == null || run.state.terminal()) {
            return;
        }
        fail(
                run,
                "the quiesce lease of store " + event.store() + " ran out at " + event.leaseUntil()
                        + " and its agent resumed indexing before the run was done with it");
    }

    private void withStep(UUID runId, UUID stepId, BiConsumer<RunEntity, StepEntity> transition) {
        RunEntity run = RunEntity.findById(runId, LockModeType.PESSIMISTIC_WRITE);
        if (run == null) {
            LOG.warnf("ignoring event for unknown run %s", runId);
            return;
        }
        StepEntity step = StepEntity.findById(stepId);
        if (step == null || !step.runId.equals(runId)) {
            LOG.warnf("ignoring event for unknown step %s of run %s", stepId, runId);
            return;
        }
        if (step.state.terminal() || (run.state.terminal() && !StepRoles.awaitedAfterEnd(step))) {
            LOG.debugf("ignoring late event for step %s (step %s, run %s)", stepId, step.state, run.state);
            return;
        }
        transition.accept(run, step);
    }

    /** Fails the run if a flow gave a reason; starts the drill a backup that just became CONSISTENT asks for. */
    private void settle(RunEntity run, String failure) {
        if (failure != null) {
            fail(run, failure);
        } else if (run.type == RunType.BACKUP && BackupFlow.drillAfter(run)) {
            try {
                startDerived(run, RunType.DRILL, RestoreOptions.DEFAULT);
            } catch (RestoreRejectedException e) {
                restores.recordVerification(run, false, "the restore drill could not start: " + e.getMessage(), null);
            }
        }
    }

    // ---------------------------------------------------------------- failure

    /**
     * Ends a run as FAILED ({@link Rule#ALWAYS_RESUME}): every quiesced search store is sent a resume, every running
     * step a cancel (which kills its work and aborts its uploads), and every step not yet ended is cancelled; a
     * drill marks its backup not verified, a restore calls its start-dependents hook.
     */
    public void fail(RunEntity run, String reason) {
        end(run, RunState.FAILED, reason);
    }

    /**
     * Ends a run an operator cancelled as CANCELLED, stopping its work as {@link #fail} does; a cancelled drill leaves
     * its backup's verification as it was.
     */
    public void cancel(RunEntity run, String reason) {
        end(run, RunState.CANCELLED, reason);
    }

    private void end(RunEntity run, RunState state, String reason) {
        if (run.state.terminal()) {
            return;
        }
        Instant now = dispatcher.now();
        dispatcher.stopAll(run, now);
        run.state = state;
        run.phase = RunPhase.DONE;
        run.error = reason;
        run.endedAt = now;
        if (run.type == RunType.BACKUP) {
            events.publish(run, state == RunState.CANCELLED ? EventTypes.RUN_CANCELLED : EventTypes.RUN_FAILED);
        } else {
            if (RestoreFlow.announced(run)) {
                events.publish(run, EventTypes.RESTORE_FAILED);
            }
            restores.afterFailure(run, reason, state == RunState.CANCELLED);
        }
        events.ended(run);
        LOG.warnf("run %s of plan %s %s: %s", run.id, run.plan, state, reason);
    }

    // ---------------------------------------------------------------- supervision

    /**
     * Fails a run whose step passed its deadline or whose store's agent went silent, and renews the quiesce
     * leases the run still needs.
     */
    public void supervise(UUID runId) {
        RunEntity run = RunEntity.findById(runId, LockModeType.PESSIMISTIC_WRITE);
        if (run == null || run.state.terminal()) {
            return;
        }
        Instant now = dispatcher.now();
        List<StepEntity> steps = StepEntity.ofRun(run.id);
        for (StepEntity step : steps) {
            Optional<StepWatch.Loss> loss = watch.check(step, now);
            if (loss.isPresent()) {
                dispatcher.markLost(run, step, loss.get().step(), now);
                fail(run, StepRoles.describe(step) + loss.get().run());
                return;
            }
        }
        dispatcher.renewLeases(run, steps);
    }

    /**
     * An agent restarted: the steps it had accepted before it started again are lost, at once. A step the new process
     * took again (a command re-delivered to it) is lost too: its work restarted from nothing, and a capture would report
     * a second snapshot point after the run may have relied on the first.
     */
    public void onAgentRestarted(String agentId, Instant startedAt, List<UUID> activeNow) {
        List<StepEntity> lost = StepEntity.list(
                "agentId = ?1 and state = ?2 and acceptedAt < ?3", agentId, StepState.RUNNING, startedAt);
        for (StepEntity step : lost) {
            boolean retaken = activeNow.contains(step.id);
            String reason = retaken
                    ? "agent " + agentId + " restarted at " + startedAt + " and took the step again from the start"
                    : AgentSteps.restarted(agentId, startedAt);
            withStep(step.runId, step.id, (run, s) -> {
                if (!retaken) {
                    dispatcher.markLost(run, s, reason, dispatcher.now());
                } // else left RUNNING, so failing the run sends it a cancel: the new process stops its work
                if (!run.state.terminal()) {
                    fail(run, StepRoles.describe(s) + " was lost: " + reason);
                }
            });
        }
    }

    /**
     * An operator forgot an agent ({@code DELETE /agents/{id}}): the steps dispatched to it that have not ended are
     * lost, as when it restarts. Each fails its run, which cancels the agent's work (should it still be running) and
     * releases quiesced stores ({@link Rule#ALWAYS_RESUME}).
     *
     * @return the ids of the runs this failed
     */
    public List<UUID> onAgentForgotten(String agentId, String by) {
        List<StepEntity> lost = StepEntity.list(
                "agentId = ?1 and state in ?2", agentId, List.of(StepState.DISPATCHED, StepState.RUNNING));
        List<UUID> failed = new ArrayList<>();
        for (StepEntity step : lost) {
            withStep(step.runId, step.id, (run, s) -> {
                dispatcher.cancel(run, s); // should the agent still run, it stops the work and aborts its uploads
                dispatcher.markFailed(s, "agent " + agentId + " was forgotten by " + by, dispatcher.now());
                if (!run.state.terminal()) {
                    fail(run, StepRoles.describe(s) + " was lost: agent " + agentId + " was forgotten by " + by);
                    failed.add(run.id);
                }
            });
        }
        return failed;
    }

    // ---------------------------------------------------------------- retention

    /**
     * Asks the search agents to delete an expiring backup's snapshots ({@code EXPIRE} steps), again after a failure
     * or a timeout. The caller holds the run locked. Returns true once every snapshot is deleted.
     */
    public boolean expireSnapshots(RunEntity run, Instant now) {
        return dispatcher.expireSnapshots(run, now);
    }
}
