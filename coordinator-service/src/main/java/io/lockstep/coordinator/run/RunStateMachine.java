package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.PlanEntity;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StoreEntity;
import io.lockstep.coordinator.config.CoordinatorConfig;
import io.lockstep.coordinator.messaging.Outbox;
import io.lockstep.coordinator.plan.PlanService;
import io.lockstep.coordinator.plan.PlanSpec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.RunEvent;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StepEvents;
import io.lockstep.protocol.StoreKind;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;

/**
 * The one owner of every run transition (see {@link RunPhase} for the flow). Every method runs inside the
 * caller's transaction with the run row locked, writes its commands and run events to the outbox in that same
 * transaction, and ignores an event that does not fit the run's current phase or a step that already ended.
 */
@ApplicationScoped
@Transactional(Transactional.TxType.MANDATORY)
public class RunStateMachine {

    private static final Logger LOG = Logger.getLogger(RunStateMachine.class);
    public static final String TYPE_BACKUP = "BACKUP";

    @Inject
    Outbox outbox;
    @Inject
    CoordinatorConfig config;

    Clock clock = Clock.systemUTC();

    // ---------------------------------------------------------------- start

    /**
     * Creates a backup run of a plan and starts it: QUEUED, then either CAPTURING with every capture step
     * dispatched, or FAILED at once when a store cannot be backed up (unknown, no live agent, nothing to back
     * up).
     */
    public RunEntity startBackup(PlanEntity plan, String label, boolean pinned) {
        Instant now = clock.instant();
        RunEntity run = new RunEntity();
        run.id = UUID.randomUUID();
        run.plan = plan.name;
        run.type = TYPE_BACKUP;
        run.state = RunState.QUEUED;
        run.phase = RunPhase.QUEUED;
        run.label = label;
        run.pinned = pinned;
        run.planSpec = plan.spec;
        run.createdAt = now;
        run.persist();

        PlanSpec spec = PlanService.fromJson(plan.spec);
        List<String> problems = new ArrayList<>();
        List<StepEntity> captures = new ArrayList<>();
        for (String storeId : spec.stores()) {
            StoreEntity store = StoreEntity.findById(storeId);
            if (store == null) {
                problems.add("store " + storeId + " is not announced by any agent");
                continue;
            }
            if (store.lastSeen.isBefore(now.minus(config.agentLiveness()))) {
                problems.add("store " + storeId + " has no live agent: " + store.agentId + " sent its last heartbeat at "
                        + store.lastSeen + " (liveness window " + config.agentLiveness().toSeconds() + " s)");
                continue;
            }
            StoreKind kind = StoreKind.valueOf(store.kind);
            if (kind != StoreKind.POSTGRES) {
                problems.add("store " + storeId + " is a " + kind + " store, which this coordinator cannot back up yet");
                continue;
            }
            List<String> databases = Json.readList(store.databases);
            if (databases.isEmpty()) {
                problems.add("store " + storeId + " lists no database to back up");
            }
            for (String database : databases) {
                captures.add(newStep(run, captures.size(), store.id, kind, StepAction.BACKUP, database,
                        artifactKey(run, store.id, database + ".dump")));
            }
        }
        if (!problems.isEmpty()) {
            captures.forEach(s -> s.state = StepState.CANCELLED);
            fail(run, "cannot start: " + String.join("; ", problems));
            return run;
        }
        run.state = RunState.RUNNING;
        run.phase = RunPhase.CAPTURING;
        run.startedAt = now;
        publish(run, EventTypes.RUN_STARTED);
        captures.forEach(step -> dispatch(step, plan.name, null));
        LOG.infof("run %s of plan %s started with %d capture steps", run.id, run.plan, captures.size());
        return run;
    }

    /** The repository key of an artifact of a run: {@code runs/<plan>/<runId>/<store>/<name>}. */
    public static String artifactKey(RunEntity run, String store, String name) {
        return "runs/" + run.plan + "/" + run.id + "/" + store + "/" + name;
    }

    private StepEntity newStep(RunEntity run, int seq, String store, StoreKind kind, StepAction action, String database,
            String artifact) {
        StepEntity step = new StepEntity();
        step.id = UUID.randomUUID();
        step.runId = run.id;
        step.seq = seq;
        step.store = store;
        step.storeKind = kind;
        step.action = action;
        step.database = database;
        step.artifact = artifact;
        step.state = StepState.PENDING;
        step.createdAt = clock.instant();
        step.persist();
        return step;
    }

    private void dispatch(StepEntity step, String plan, String expectedSha256) {
        Instant now = clock.instant();
        step.state = StepState.DISPATCHED;
        step.dispatchedAt = now;
        step.deadline = now.plus(config.stepTimeout());
        outbox.command(step.storeKind, new StepCommand(step.runId, step.id, plan, step.store, step.action, step.database,
                step.artifact, expectedSha256, step.deadline));
    }

    // ---------------------------------------------------------------- agent events

    public void onAccepted(StepEvents.Accepted event) {
        withStep(event.runId(), event.stepId(), (run, step) -> {
            if (step.state == StepState.DISPATCHED) {
                step.state = StepState.RUNNING;
                step.acceptedAt = event.at();
                step.agentId = event.agentId();
            }
        });
    }

    public void onSnapshotTaken(StepEvents.SnapshotTaken event) {
        withStep(event.runId(), event.stepId(), (run, step) -> {
            if (step.action != StepAction.BACKUP || step.storeKind != StoreKind.POSTGRES) {
                LOG.warnf("ignoring snapshot event for %s step %s", step.action, step.id);
                return;
            }
            step.snapshotAt = event.snapshotTime();
            step.snapshotLsn = event.lsn();
        });
    }

    public void onProgress(StepEvents.Progress event) {
        withStep(event.runId(), event.stepId(), (run, step) -> {
            if (step.state == StepState.DISPATCHED) {
                step.state = StepState.RUNNING;
            }
            step.bytes = event.bytes();
        });
    }

    public void onSucceeded(StepEvents.Succeeded event) {
        withStep(event.runId(), event.stepId(), (run, step) -> {
            step.state = StepState.SUCCEEDED;
            step.bytes = event.bytes();
            step.startedAt = event.startedAt();
            step.endedAt = event.finishedAt();
            step.evidence = Json.write(event.evidence());
            if (step.action == StepAction.BACKUP) {
                step.sha256 = event.sha256();
                if (event.artifact() != null && !event.artifact().equals(step.artifact)) {
                    fail(run, BackupEvidence.describe(step) + " wrote " + event.artifact() + " instead of " + step.artifact);
                    return;
                }
                if (step.snapshotAt == null && step.storeKind == StoreKind.POSTGRES) {
                    fail(run, BackupEvidence.describe(step) + " finished without reporting its SQL snapshot point first");
                    return;
                }
            } else {
                step.sha256 = event.sha256();
            }
            advance(run);
        });
    }

    public void onFailed(StepEvents.Failed event) {
        withStep(event.runId(), event.stepId(), (run, step) -> {
            step.state = StepState.FAILED;
            step.error = event.reason();
            step.endedAt = event.at();
            fail(run, BackupEvidence.describe(step) + " failed: " + event.reason());
        });
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
        if (run.state.terminal() || step.state.terminal()) {
            LOG.debugf("ignoring late event for step %s (step %s, run %s)", stepId, step.state, run.state);
            return;
        }
        transition.accept(run, step);
    }

    // ---------------------------------------------------------------- phase transitions

    private void advance(RunEntity run) {
        List<StepEntity> steps = StepEntity.ofRun(run.id);
        switch (run.phase) {
            case CAPTURING -> {
                List<StepEntity> captures = steps.stream().filter(s -> s.action == StepAction.BACKUP).toList();
                if (captures.stream().allMatch(s -> s.state == StepState.SUCCEEDED)) {
                    startVerification(run, captures, steps.size());
                }
            }
            case VERIFYING -> {
                if (steps.stream().allMatch(s -> s.state == StepState.SUCCEEDED)) {
                    conclude(run, steps);
                }
            }
            default -> LOG.warnf("run %s got a step result in phase %s; ignored", run.id, run.phase);
        }
    }

    private void startVerification(RunEntity run, List<StepEntity> captures, int nextSeq) {
        run.phase = RunPhase.VERIFYING;
        run.state = RunState.VERIFYING;
        run.bytes = captures.stream().mapToLong(s -> s.bytes == null ? 0 : s.bytes).sum();
        int seq = nextSeq;
        for (StepEntity capture : captures) {
            StepEntity verify = newStep(run, seq++, capture.store, capture.storeKind, StepAction.VERIFY, capture.database,
                    capture.artifact);
            dispatch(verify, run.plan, capture.sha256);
        }
    }

    private void conclude(RunEntity run, List<StepEntity> steps) {
        BackupEvidence.Verdict verdict = BackupEvidence.judge(steps);
        if (!verdict.consistent()) {
            fail(run, "verification failed: " + verdict.reason());
            return;
        }
        run.consistencyPoint = verdict.consistencyPoint();
        run.state = RunState.CONSISTENT;
        run.phase = RunPhase.DONE;
        run.endedAt = clock.instant();
        publish(run, EventTypes.RUN_CONSISTENT);
        LOG.infof("run %s of plan %s is CONSISTENT at %s", run.id, run.plan, run.consistencyPoint);
    }

    /** Ends a run as FAILED; every step not yet ended is cancelled. */
    public void fail(RunEntity run, String reason) {
        if (run.state.terminal()) {
            return;
        }
        Instant now = clock.instant();
        for (StepEntity step : StepEntity.ofRun(run.id)) {
            if (!step.state.terminal()) {
                step.state = StepState.CANCELLED;
                step.endedAt = now;
            }
        }
        run.state = RunState.FAILED;
        run.phase = RunPhase.DONE;
        run.error = reason;
        run.endedAt = now;
        publish(run, EventTypes.RUN_FAILED);
        LOG.warnf("run %s of plan %s FAILED: %s", run.id, run.plan, reason);
    }

    // ---------------------------------------------------------------- supervision

    /** Fails a run whose step passed its deadline or whose store's agent went silent. */
    public void supervise(UUID runId) {
        RunEntity run = RunEntity.findById(runId, LockModeType.PESSIMISTIC_WRITE);
        if (run == null || run.state.terminal()) {
            return;
        }
        Instant now = clock.instant();
        for (StepEntity step : StepEntity.ofRun(run.id)) {
            if (step.state.terminal() || step.state == StepState.PENDING) {
                continue;
            }
            if (step.deadline != null && now.isAfter(step.deadline)) {
                step.state = StepState.FAILED;
                step.error = "timed out: no result by " + step.deadline;
                step.endedAt = now;
                fail(run, BackupEvidence.describe(step) + " timed out after "
                        + config.stepTimeout().toMinutes() + " min");
                return;
            }
            StoreEntity store = StoreEntity.findById(step.store);
            if (store == null || store.lastSeen.isBefore(now.minus(config.agentLiveness()))) {
                step.state = StepState.FAILED;
                step.error = "agent went silent";
                step.endedAt = now;
                fail(run, BackupEvidence.describe(step) + " lost its agent: "
                        + (store == null ? "the store is no longer announced"
                                : store.agentId + " sent no heartbeat since " + store.lastSeen));
                return;
            }
        }
    }

    /** An agent restarted: the steps it had accepted before it started again are lost. */
    public void onAgentRestarted(String agentId, Instant startedAt) {
        List<StepEntity> lost = StepEntity.list("agentId = ?1 and state = ?2 and acceptedAt < ?3", agentId,
                StepState.RUNNING, startedAt);
        for (StepEntity step : lost) {
            withStep(step.runId, step.id, (run, s) -> {
                s.state = StepState.FAILED;
                s.error = "agent " + agentId + " restarted while the step was running";
                s.endedAt = clock.instant();
                fail(run, BackupEvidence.describe(s) + " was lost: agent " + agentId + " restarted at " + startedAt);
            });
        }
    }

    private void publish(RunEntity run, String type) {
        outbox.runEvent(type, new RunEvent(run.id, run.plan, run.type, run.state.name(), run.consistencyPoint, run.label,
                run.bytes, run.error, clock.instant()));
    }
}
