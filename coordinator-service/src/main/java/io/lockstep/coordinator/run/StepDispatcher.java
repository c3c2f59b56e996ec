package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.coordinator.catalog.StoreEntity;
import io.lockstep.coordinator.config.CoordinatorConfig;
import io.lockstep.coordinator.outbox.Outbox;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StepEvents;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Creates steps and writes their commands to the outbox: deadlines (the plan's timeout per action, the coordinator's
 * otherwise), quiesce leases and their renewal, cancellations. The only place a step is created or dispatched.
 */
@ApplicationScoped
class StepDispatcher {

    private final Outbox outbox;
    private final CoordinatorConfig config;
    private final Clock clock = Clock.systemUTC();

    StepDispatcher(Outbox outbox, CoordinatorConfig config) {
        this.outbox = outbox;
        this.config = config;
    }

    Instant now() {
        return clock.instant();
    }

    /** Creates a step, PENDING, numbered {@code seq} in its run. */
    StepEntity create(RunEntity run, int seq, PlannedStep planned) {
        return create(run, seq, planned, clock.instant());
    }

    private StepEntity create(RunEntity run, int seq, PlannedStep planned, Instant now) {
        StepEntity step = new StepEntity();
        step.id = UUID.randomUUID();
        step.runId = run.id;
        step.seq = seq;
        step.store = planned.store();
        step.storeKind = planned.kind();
        step.action = planned.action();
        step.database = planned.database();
        step.artifact = planned.artifact();
        step.expectedSha256 = planned.expectedSha256();
        step.wave = planned.wave();
        step.parameters = planned.parameters();
        step.state = StepState.PENDING;
        step.createdAt = now;
        step.persist();
        return step;
    }

    /** Creates steps after the run's existing ones, and dispatches each with its planned parameters. */
    void createAndDispatch(RunEntity run, List<StepEntity> existing, List<PlannedStep> planned) {
        int seq = existing.size();
        for (PlannedStep p : planned) {
            dispatch(run, create(run, seq++, p), p.expectedSha256(), p.parameters());
        }
    }

    /** Dispatches a step with the parameters it was planned with, and a fresh lease for a quiesce. */
    void dispatchPlanned(RunEntity run, StepEntity step) {
        Map<String, String> parameters = new HashMap<>(step.parameters);
        if (StepRoles.isQuiesce(step)) {
            parameters.putAll(leaseParameters());
        }
        dispatch(run, step, step.expectedSha256, parameters);
    }

    /** Writes the step's command to the outbox; its deadline is the plan's timeout for its action from now. */
    void dispatch(RunEntity run, StepEntity step, String expectedSha256, Map<String, String> parameters) {
        Instant now = clock.instant();
        step.state = StepState.DISPATCHED;
        step.dispatchedAt = now;
        step.deadline = now.plus(timeout(run, step.action));
        bindAgent(step);
        send(run, step, step.artifact, expectedSha256, parameters);
    }

    /**
     * Records the agent a step is dispatched to: the one serving its store now. Only that agent's events about the
     * step are applied (the others are rejected and audited by the agent-events handler). A store no agent serves
     * leaves the step unbound: the first agent that accepts it is bound then.
     */
    private static void bindAgent(StepEntity step) {
        StoreEntity store = StoreEntity.findById(step.store);
        step.agentId = store == null ? null : store.agentId;
    }

    private void send(
            RunEntity run, StepEntity step, String artifact, String expectedSha256, Map<String, String> parameters) {
        outbox.command(
                step.storeKind,
                new StepCommand(
                        step.runId,
                        step.id,
                        run.plan,
                        step.store,
                        step.action,
                        step.database,
                        artifact,
                        expectedSha256,
                        step.deadline,
                        addressed(step, parameters)));
    }

    /** The parameters with the agent the command is addressed to, the step's ({@link StepCommand.Parameters#AGENT}). */
    private static Map<String, String> addressed(StepEntity step, Map<String, String> parameters) {
        if (step.agentId == null) {
            return parameters;
        }
        Map<String, String> addressed = new HashMap<>(parameters);
        addressed.put(StepCommand.Parameters.AGENT, step.agentId);
        return addressed;
    }

    /** The plan's timeout for this kind of step, or the coordinator's default. */
    private Duration timeout(RunEntity run, StepAction action) {
        Map<String, String> timeouts = run.planSpec.timeouts();
        String value = timeouts == null ? null : timeouts.get(action.name().toLowerCase(Locale.ROOT));
        return value == null ? config.stepTimeout() : PlanSpec.parseDuration(value);
    }

    /** A quiesce's or a renewal's lease: the coordinator's configured length. */
    Map<String, String> leaseParameters() {
        return Map.of(
                StepCommand.Parameters.LEASE_SECONDS,
                Long.toString(config.quiesceLease().toSeconds()));
    }

    /** Sends a command that is not a step of its own (lease renewal, cancellation). */
    private void control(RunEntity run, StepEntity about, StepAction action, Map<String, String> parameters) {
        outbox.command(
                about.storeKind,
                new StepCommand(
                        run.id,
                        UUID.randomUUID(),
                        run.plan,
                        about.store,
                        action,
                        null,
                        null,
                        null,
                        clock.instant().plus(config.quiesceLease()),
                        addressed(about, parameters)));
    }

    /** Asks the agent of a dispatched or running step to stop it (kill its work, abort its uploads). */
    void cancel(RunEntity run, StepEntity step) {
        control(run, step, StepAction.CANCEL, Map.of(StepCommand.Parameters.TARGET_STEP, step.id.toString()));
    }

    /** Renews the lease of every quiesced store whose release was not dispatched yet. */
    void renewLeases(RunEntity run, List<StepEntity> steps) {
        for (StepEntity quiesce : steps.stream()
                .filter(StepRoles::isQuiesce)
                .filter(q -> q.state == StepState.SUCCEEDED || q.state == StepState.RUNNING)
                .toList()) {
            boolean released = steps.stream()
                    .anyMatch(s -> StepRoles.isResume(s) && s.store.equals(quiesce.store) && s.dispatchedAt != null);
            if (!released) {
                control(run, quiesce, StepAction.RENEW_LEASE, leaseParameters());
            }
        }
    }

    /**
     * Fails a step that is out of time or its agent lost, and still sends it a cancel: the command may be re-delivered
     * to the agent's next process (or to the agent itself once it thaws), which then stops the work as soon as the
     * cancel, behind it on the same partition, arrives, instead of running it after the run ended (a restore replacing
     * live data for a failed run).
     */
    void markLost(RunEntity run, StepEntity step, String error, Instant at) {
        control(run, step, StepAction.CANCEL, Map.of(StepCommand.Parameters.TARGET_STEP, step.id.toString()));
        markFailed(step, error, at);
    }

    /** Records what a running step has done so far, as its agent reported it. */
    static void markProgress(StepEntity step, StepEvents.Progress event) {
        if (step.state == StepState.DISPATCHED) {
            step.state = StepState.RUNNING;
        }
        step.bytes = event.bytes();
        step.items = event.items();
        step.progressAt = event.at();
    }

    /**
     * Records that a search snapshot completed (its {@code snapshotEndedAt}) while its files are still being copied:
     * {@link BackupGates#searchSnapshotsDone} may release the store now. Its success replaces the evidence later.
     */
    static void markSearchSnapshotDone(StepEntity step, Instant endedAt) {
        if (step.state == StepState.DISPATCHED) {
            step.state = StepState.RUNNING;
        }
        Map<String, String> evidence = new HashMap<>(step.evidence == null ? Map.of() : step.evidence);
        evidence.put(EvidenceKeys.SNAPSHOT_ENDED_AT, endedAt.toString());
        step.evidence = evidence;
    }

    /** Records a step's success and what it reported: its artifact's size and hash, its times and evidence. */
    static void markSucceeded(StepEntity step, StepEvents.Succeeded event) {
        step.state = StepState.SUCCEEDED;
        step.bytes = event.bytes();
        step.sha256 = event.sha256();
        step.startedAt = event.startedAt();
        step.endedAt = event.finishedAt();
        step.evidence = event.evidence();
    }

    void markFailed(StepEntity step, String error, Instant at) {
        step.state = StepState.FAILED;
        step.error = error;
        step.endedAt = at;
    }

    /**
     * {@link Rule#ALWAYS_RESUME}: every running step is sent a cancel (its agent kills the work and aborts its
     * uploads) and every step not ended is cancelled, except cleanups, which are dispatched when needed; every store
     * whose quiesce was dispatched is sent a resume unless one succeeded or is on its way.
     */
    void stopAll(RunEntity run, Instant now) {
        List<StepEntity> steps = StepEntity.ofRun(run.id);
        for (StepEntity step : steps) {
            if (step.state.terminal()) {
                continue;
            }
            if (StepRoles.isCleanup(step)) {
                boolean needed = step.action == StepAction.DROP
                        || steps.stream()
                                .anyMatch(q ->
                                        StepRoles.isQuiesce(q) && q.store.equals(step.store) && q.dispatchedAt != null);
                if (step.state == StepState.PENDING && needed) {
                    dispatchPlanned(run, step);
                } else if (step.state == StepState.PENDING) {
                    step.state = StepState.CANCELLED;
                    step.endedAt = now;
                }
                continue;
            }
            if (step.state == StepState.DISPATCHED || step.state == StepState.RUNNING) {
                cancel(run, step);
            }
            step.state = StepState.CANCELLED;
            step.endedAt = now;
        }
        int seq = steps.size();
        for (StepEntity quiesce : steps.stream()
                .filter(StepRoles::isQuiesce)
                .filter(q -> q.dispatchedAt != null)
                .toList()) {
            boolean resumed = steps.stream()
                    .anyMatch(s -> StepRoles.isResume(s)
                            && s.store.equals(quiesce.store)
                            && (s.state == StepState.SUCCEEDED || !s.state.terminal()));
            if (!resumed) {
                dispatch(run, create(run, seq++, resumeOf(quiesce)), null, Map.of());
            }
        }
    }

    /** The release of a quiesced store. */
    static PlannedStep resumeOf(StepEntity quiesce) {
        return PlannedStep.backup(quiesce.store, quiesce.storeKind, StepAction.RESUME, null, null);
    }

    /**
     * Asks the search agents to delete a backup's snapshots, again after a failure or a timeout
     * ({@code expire-timeout}). Returns true once every snapshot the backup requested is deleted.
     */
    boolean expireSnapshots(RunEntity run, Instant now) {
        List<StepEntity> steps = StepEntity.ofRun(run.id);
        boolean pending = false;
        for (StepEntity snapshot : steps.stream()
                .filter(s -> StepRoles.isSearchCapture(s) && s.dispatchedAt != null)
                .toList()) {
            StepEntity last = steps.stream()
                    .filter(s -> s.action == StepAction.EXPIRE && s.store.equals(snapshot.store))
                    .max(java.util.Comparator.comparingInt(s -> s.seq))
                    .orElse(null);
            if (last != null && last.state == StepState.SUCCEEDED) {
                continue;
            }
            pending = true;
            if (last != null && !last.state.terminal() && now.isAfter(last.deadline)) {
                markFailed(last, "no answer from the search agent by " + last.deadline, now);
            }
            if (last == null || last.state.terminal()) {
                int seq = steps.stream().mapToInt(s -> s.seq).max().orElse(0) + 1;
                StepEntity step = create(
                        run,
                        seq,
                        PlannedStep.backup(snapshot.store, snapshot.storeKind, StepAction.EXPIRE, null, null),
                        now);
                step.state = StepState.DISPATCHED;
                step.dispatchedAt = now;
                step.deadline = now.plus(config.expireTimeout());
                bindAgent(step);
                send(
                        run,
                        step,
                        snapshot.artifact,
                        null,
                        Map.of(StepCommand.Parameters.SNAPSHOT, BackupPlanner.snapshotName(snapshot)));
            }
        }
        return !pending;
    }
}
