package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RestoreOptions;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunPhase;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.protocol.EventTypes;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.jboss.logging.Logger;

/**
 * The flow of a run that uses a backup (restore, drill, dry run, re-verification): its steps, planned at once by
 * {@link RestorePlanner}, run in waves, each once every step of the waves before it succeeded. An in-place restore
 * calls the plan's stop-dependents hook before its first wave after the pre-flight checks, and its start-dependents
 * hook at the end, failed or not. A drill marks its backup verified, or not. Its methods return a failure reason
 * (or null) for {@link RunStateMachine} to act on.
 */
@ApplicationScoped
class RestoreFlow {

    private static final Logger LOG = Logger.getLogger(RestoreFlow.class);
    private static final String STOP_HOOK_CALLED_AT = "stopHookCalledAt";
    private static final String START_HOOK_CALLED_AT = "startHookCalledAt";

    private final StepDispatcher dispatcher;
    private final RunEvents events;
    private final RestoreHooks hooks;

    RestoreFlow(StepDispatcher dispatcher, RunEvents events, RestoreHooks hooks) {
        this.dispatcher = dispatcher;
        this.events = events;
        this.hooks = hooks;
    }

    /**
     * Creates the run and its planned steps; nothing is written when the planner refuses.
     *
     * @throws RestoreRejectedException when the request cannot be served
     */
    RunEntity create(RunEntity source, RunType type, RestoreOptions options) {
        Instant now = dispatcher.now();
        RunEntity run = RunEntity.queued(source.plan, type, source.planSpec, now);
        run.sourceRunId = source.id;
        run.options = options;
        List<PlannedStep> planned = RestorePlanner.plan(type, run, source, StepEntity.ofRun(source.id), options);
        run.persist();
        int seq = 0;
        for (PlannedStep p : planned) {
            dispatcher.create(run, seq++, p);
        }
        run.state = RunState.RUNNING;
        run.phase = RunPhase.IN_WAVES;
        run.startedAt = now;
        if (announced(run)) {
            events.publish(run, EventTypes.RESTORE_STARTED);
        }
        LOG.infof("%s run %s of backup %s started with %d steps", type, run.id, source.id, planned.size());
        return run;
    }

    /** Dispatches the next wave once every step before it succeeded; concludes after the last. */
    String advance(RunEntity run) {
        List<StepEntity> steps = StepEntity.ofRun(run.id);
        if (steps.stream().anyMatch(s -> s.state == StepState.DISPATCHED || s.state == StepState.RUNNING)) {
            return null;
        }
        OptionalInt next = steps.stream()
                .filter(s -> s.state == StepState.PENDING)
                .mapToInt(s -> s.wave)
                .min();
        if (next.isEmpty()) {
            return conclude(run, steps);
        }
        int wave = next.getAsInt();
        if (callsHooks(run) && wave > RestorePlanner.PREFLIGHT && result(run).get(STOP_HOOK_CALLED_AT) == null) {
            String url = run.planSpec.hook(PlanSpec.HOOK_STOP_DEPENDENTS);
            if (url != null) {
                updateResult(run, STOP_HOOK_CALLED_AT, dispatcher.now().toString());
                String failure = hooks.call(PlanSpec.HOOK_STOP_DEPENDENTS, url, hookBody(run, "stop"));
                if (failure != null) {
                    return failure + "; nothing was restored";
                }
            }
        }
        for (StepEntity step : steps) {
            if (step.state == StepState.PENDING && step.wave == wave) {
                dispatcher.dispatchPlanned(run, step);
            }
        }
        return null;
    }

    private String conclude(RunEntity run, List<StepEntity> steps) {
        Map<String, Object> result = new LinkedHashMap<>(result(run));
        run.bytes = RunReports.restoredBytes(steps);
        switch (run.type) {
            case DRY_RUN -> result.putAll(RunReports.dryRun(plannedRestore(run), steps));
            case DRILL -> result.putAll(RunReports.drillFigures(steps));
            case RESTORE -> result.put("restored", RunReports.restored(steps));
            default -> {}
        }
        run.result = result;
        if (callsHooks(run)) {
            String startFailure = runStartHook(run);
            if (startFailure != null) {
                return "the stores were restored, but " + startFailure;
            }
        }
        run.state = RunState.SUCCEEDED;
        run.phase = RunPhase.DONE;
        run.endedAt = dispatcher.now();
        if (run.type == RunType.DRILL) {
            recordVerification(lockedSource(run), true, null, run);
        }
        if (announced(run)) {
            events.publish(run, EventTypes.RESTORE_SUCCEEDED);
        }
        events.ended(run);
        LOG.infof("%s run %s of backup %s SUCCEEDED", run.type, run.id, run.sourceRunId);
        return null;
    }

    /**
     * After the run failed or was cancelled: a failed drill marks its backup not verified; a restore runs its
     * start-dependents hook.
     */
    void afterFailure(RunEntity run, String reason, boolean cancelled) {
        if (run.type == RunType.DRILL && !cancelled) {
            recordVerification(lockedSource(run), false, "restore drill " + run.id + " failed: " + reason, run);
        }
        if (callsHooks(run)) {
            runStartHook(run);
        }
    }

    /** The steps a restore with this dry run's options would run, one line each. */
    private static List<String> plannedRestore(RunEntity dryRun) {
        RunEntity source = RunEntity.findById(dryRun.sourceRunId);
        return RestorePlanner.describe(
                RestorePlanner.plan(RunType.RESTORE, dryRun, source, StepEntity.ofRun(source.id), readOptions(dryRun)));
    }

    /** Marks a backup verified (or not) by a drill, and tells subscribers. */
    void recordVerification(RunEntity backup, boolean passed, String reason, RunEntity drill) {
        if (backup == null) {
            return;
        }
        Instant now = dispatcher.now();
        Map<String, Object> verification = new LinkedHashMap<>();
        verification.put("passed", passed);
        verification.put("at", now.toString());
        if (drill != null) {
            verification.put("drillRunId", drill.id.toString());
            verification.putAll(result(drill));
        }
        if (reason != null) {
            verification.put("reason", reason);
        }
        backup.verification = verification;
        backup.verified = passed;
        backup.verifiedAt = passed ? now : null;
        events.publish(backup, passed ? EventTypes.RUN_VERIFIED : EventTypes.RUN_VERIFICATION_FAILED, reason);
    }

    /** Runs the start-dependents hook of a restore that ran the stop hook; returns a failure or null. */
    private String runStartHook(RunEntity run) {
        Map<String, Object> result = result(run);
        if (result.get(STOP_HOOK_CALLED_AT) == null || result.get(START_HOOK_CALLED_AT) != null) {
            return null;
        }
        String url = run.planSpec.hook(PlanSpec.HOOK_START_DEPENDENTS);
        if (url == null) {
            return null;
        }
        updateResult(run, START_HOOK_CALLED_AT, dispatcher.now().toString());
        return hooks.call(PlanSpec.HOOK_START_DEPENDENTS, url, hookBody(run, "start"));
    }

    /** Only a restore touches live stores, so only a restore calls the plan's hooks. */
    private static boolean callsHooks(RunEntity run) {
        return run.type == RunType.RESTORE;
    }

    /** Restores and drills publish restore events; dry runs and re-verifications do not. */
    static boolean announced(RunEntity run) {
        return run.type == RunType.RESTORE || run.type == RunType.DRILL;
    }

    private static RunEntity lockedSource(RunEntity run) {
        return RunEntity.findById(run.sourceRunId, LockModeType.PESSIMISTIC_WRITE);
    }

    private static Map<String, Object> hookBody(RunEntity run, String action) {
        return Map.of(
                "action",
                action + "-dependents",
                "runId",
                run.id.toString(),
                "plan",
                run.plan,
                "backupRunId",
                String.valueOf(run.sourceRunId));
    }

    private static Map<String, Object> result(RunEntity run) {
        return run.result == null ? Map.of() : run.result;
    }

    private static void updateResult(RunEntity run, String key, Object value) {
        Map<String, Object> result = new LinkedHashMap<>(result(run));
        result.put(key, value);
        run.result = result;
    }

    static RestoreOptions readOptions(RunEntity run) {
        return run.options == null ? RestoreOptions.DEFAULT : run.options;
    }
}
