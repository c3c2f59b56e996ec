package io.lockstep.coordinator.run;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The one owner of every run transition (see {@link RunPhase} for the flow and the ordering rules). Every method
 * runs inside the caller's transaction with the run row locked, writes the commands and run events it causes to
 * the outbox in that same transaction, and ignores an event that does not fit: a step that already ended, a run
 * that already ended (except the outcome of a resume, which is always recorded).
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
    @Inject
    AgentLiveness liveness;
    @Inject
    RestoreHooks hooks;

    Clock clock = Clock.systemUTC();

    // ---------------------------------------------------------------- step roles

    static boolean isQuiesce(StepEntity s) {
        return s.action == StepAction.QUIESCE;
    }

    static boolean isResume(StepEntity s) {
        return s.action == StepAction.RESUME;
    }

    static boolean isSqlCapture(StepEntity s) {
        return s.action == StepAction.BACKUP && s.storeKind == StoreKind.POSTGRES;
    }

    static boolean isSearchCapture(StepEntity s) {
        return s.action == StepAction.BACKUP && s.storeKind == StoreKind.SEARCH;
    }

    static boolean isObjectCapture(StepEntity s) {
        return s.action == StepAction.BACKUP && s.storeKind == StoreKind.OBJECTSTORE;
    }

    static boolean isVerify(StepEntity s) {
        return s.action == StepAction.VERIFY;
    }

    /** Steps that must run even after their run failed: resuming indexing, dropping a drill's scratch targets. */
    static boolean isCleanup(StepEntity s) {
        return s.action == StepAction.RESUME || s.action == StepAction.DROP;
    }

    // ---------------------------------------------------------------- start

    /**
     * Creates a backup run of a plan and starts it: QUIESCING (or CAPTURING without search stores), or FAILED at
     * once when a store cannot be backed up (unknown, no live agent, nothing to back up).
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
        List<StepEntity> steps = new ArrayList<>();
        for (String storeId : spec.stores()) {
            StoreEntity store = StoreEntity.findById(storeId);
            if (store == null) {
                problems.add("store " + storeId + " is not announced by any agent");
                continue;
            }
            if (liveness.silent(store.lastSeen)) {
                problems.add("store " + storeId + " has no live agent: " + store.agentId + " sent its last heartbeat at "
                        + store.lastSeen + " (liveness window " + liveness.windowSeconds() + " s)");
                continue;
            }
            StoreKind kind = StoreKind.valueOf(store.kind);
            switch (kind) {
                case POSTGRES -> {
                    List<String> databases = Json.readList(store.databases);
                    if (databases.isEmpty()) {
                        problems.add("store " + storeId + " lists no database to back up");
                    }
                    for (String database : databases) {
                        steps.add(newStep(run, steps.size(), store.id, kind, StepAction.BACKUP, database,
                                artifactKey(run, store.id, database + ".dump")));
                    }
                }
                case OBJECTSTORE -> steps.add(newStep(run, steps.size(), store.id, kind, StepAction.BACKUP, null,
                        artifactKey(run, store.id, "objects.jsonl.gz")));
                case SEARCH -> {
                    steps.add(newStep(run, steps.size(), store.id, kind, StepAction.QUIESCE, null, null));
                    steps.add(newStep(run, steps.size(), store.id, kind, StepAction.BACKUP, null,
                            "search/" + store.id + "/"));
                }
            }
        }
        if (!problems.isEmpty()) {
            steps.forEach(s -> s.state = StepState.CANCELLED);
            fail(run, "cannot start: " + String.join("; ", problems));
            return run;
        }
        run.state = RunState.RUNNING;
        run.startedAt = now;
        publish(run, EventTypes.RUN_STARTED);
        List<StepEntity> quiesces = steps.stream().filter(RunStateMachine::isQuiesce).toList();
        if (quiesces.isEmpty()) {
            startCapturing(run, steps);
        } else {
            run.phase = RunPhase.QUIESCING;
            quiesces.forEach(s -> dispatch(run, s, null, leaseParameters()));
        }
        LOG.infof("run %s of plan %s started with %d steps", run.id, run.plan, steps.size());
        return run;
    }

    /** The run's cross-store references, from the plan as it was when the run started. */
    private static List<JsonNode> references(RunEntity run) {
        JsonNode references = PlanService.fromJson(run.planSpec).references();
        List<JsonNode> list = new ArrayList<>();
        if (references != null && references.isArray()) {
            references.forEach(list::add);
        }
        return list;
    }

    /** Where the postgres-agent writes a reference's keys: {@code <db>.refs.txt.gz} beside the dump. */
    private static String referenceArtifact(RunEntity run, JsonNode reference) {
        return artifactKey(run, reference.path("store").asText(), reference.path("database").asText() + ".refs.txt.gz");
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

    private void dispatch(RunEntity run, StepEntity step, String expectedSha256, Map<String, String> parameters) {
        Instant now = clock.instant();
        step.state = StepState.DISPATCHED;
        step.dispatchedAt = now;
        step.deadline = now.plus(timeout(run, step.action));
        outbox.command(step.storeKind, new StepCommand(step.runId, step.id, run.plan, step.store, step.action,
                step.database, step.artifact, expectedSha256, step.deadline, parameters));
    }

    /** The plan's timeout for this kind of step, or the coordinator's default. */
    private java.time.Duration timeout(RunEntity run, StepAction action) {
        Map<String, String> timeouts = PlanService.fromJson(run.planSpec).timeouts();
        String value = timeouts == null ? null : timeouts.get(action.name().toLowerCase(java.util.Locale.ROOT));
        return value == null ? config.stepTimeout() : PlanSpec.parseDuration(value);
    }

    /** Sends a command that is not a step of its own (lease renewal, cancellation). */
    private void control(RunEntity run, StepEntity about, StepAction action, Map<String, String> parameters) {
        Instant now = clock.instant();
        outbox.command(about.storeKind, new StepCommand(run.id, UUID.randomUUID(), run.plan, about.store, action, null,
                null, null, now.plus(config.quiesceLease()), parameters));
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
            if (!isSqlCapture(step)) {
                LOG.warnf("ignoring snapshot event for %s step %s", step.action, step.id);
                return;
            }
            step.snapshotAt = event.snapshotTime();
            step.snapshotLsn = event.lsn();
            afterCaptureProgress(run);
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
            step.sha256 = event.sha256();
            step.startedAt = event.startedAt();
            step.endedAt = event.finishedAt();
            step.evidence = Json.write(event.evidence());
            if (run.state.terminal()) {
                return; // a resume or drop that completed after the run ended: recorded, nothing else
            }
            if (run.phase == RunPhase.IN_WAVES) {
                advanceWaves(run);
                return;
            }
            if (isSqlCapture(step) || isObjectCapture(step)) {
                if (event.artifact() != null && !event.artifact().equals(step.artifact)) {
                    fail(run, BackupEvidence.describe(step) + " wrote " + event.artifact() + " instead of " + step.artifact);
                    return;
                }
            }
            if (isSqlCapture(step) && step.snapshotAt == null) {
                fail(run, BackupEvidence.describe(step) + " finished without reporting its SQL snapshot point first");
                return;
            }
            advance(run);
        });
    }

    public void onFailed(StepEvents.Failed event) {
        withStep(event.runId(), event.stepId(), (run, step) -> {
            step.state = StepState.FAILED;
            step.error = event.reason();
            step.endedAt = event.at();
            if (!run.state.terminal()) {
                fail(run, BackupEvidence.describe(step) + " failed: " + event.reason());
            }
        });
    }

    /** A search store's lease ran out and its agent resumed it by itself: the quiet window is gone. */
    public void onLeaseExpired(StepEvents.LeaseExpired event) {
        RunEntity run = RunEntity.findById(event.runId(), LockModeType.PESSIMISTIC_WRITE);
        if (run == null || run.state.terminal()) {
            return;
        }
        fail(run, "the quiesce lease of store " + event.store() + " ran out at " + event.leaseUntil()
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
        // Cleanup steps (resume, a drill's drop) and expiries (retention deleting a snapshot) are awaited after the run ended.
        if (step.state.terminal() || (run.state.terminal() && !isCleanup(step) && step.action != StepAction.EXPIRE)) {
            LOG.debugf("ignoring late event for step %s (step %s, run %s)", stepId, step.state, run.state);
            return;
        }
        transition.accept(run, step);
    }

    // ---------------------------------------------------------------- phase transitions

    private void advance(RunEntity run) {
        List<StepEntity> steps = StepEntity.ofRun(run.id);
        switch (run.phase) {
            case QUIESCING -> {
                if (steps.stream().filter(RunStateMachine::isQuiesce).allMatch(s -> s.state == StepState.SUCCEEDED)) {
                    startCapturing(run, steps);
                }
            }
            case CAPTURING -> afterCaptureProgress(run);
            case VERIFYING -> {
                if (steps.stream().filter(RunStateMachine::isVerify).allMatch(s -> s.state == StepState.SUCCEEDED)) {
                    conclude(run, steps);
                }
            }
            default -> LOG.warnf("run %s got a step result in phase %s; ignored", run.id, run.phase);
        }
    }

    /** Rule 1 done: SQL snapshots and search snapshots start together. */
    private void startCapturing(RunEntity run, List<StepEntity> steps) {
        run.phase = RunPhase.CAPTURING;
        for (StepEntity step : steps) {
            if (isSqlCapture(step)) {
                Map<String, String> parameters = new HashMap<>();
                references(run).stream()
                        .filter(r -> r.path("store").asText().equals(step.store)
                                && r.path("database").asText().equals(step.database))
                        .findFirst().ifPresent(r -> {
                            parameters.put(StepCommand.Parameters.REFERENCE_QUERY, r.path("query").asText());
                            parameters.put(StepCommand.Parameters.REFERENCE_ARTIFACT, referenceArtifact(run, r));
                        });
                parameters.put(StepCommand.Parameters.CENSUS_ARTIFACT, artifactKey(run, step.store, step.database + ".tables.tsv"));
                dispatch(run, step, null, parameters);
            } else if (isSearchCapture(step)) {
                dispatch(run, step, null, Map.of(StepCommand.Parameters.SNAPSHOT, snapshotName(run)));
            }
        }
        afterCaptureProgress(run);
    }

    static String snapshotName(RunEntity run) {
        return "lockstep-" + run.id;
    }

    /** The snapshot a search capture took: as its agent reported it, else the name the run gave it. */
    public static String snapshotName(StepEntity capture) {
        String recorded = Json.readMap(capture.evidence).get("snapshot");
        return recorded != null ? recorded : "lockstep-" + capture.runId;
    }

    /**
     * Everything CAPTURING waits on, re-evaluated after every event: rule 2 (objects after every SQL snapshot
     * point), rule 3 (resume once search snapshots and SQL snapshot points are done), then verification.
     */
    private void afterCaptureProgress(RunEntity run) {
        if (run.phase != RunPhase.CAPTURING) {
            return;
        }
        List<StepEntity> steps = StepEntity.ofRun(run.id);
        boolean sqlPointsKnown = steps.stream().filter(RunStateMachine::isSqlCapture).allMatch(s -> s.snapshotAt != null);
        if (sqlPointsKnown) {
            for (StepEntity step : steps) {
                if (isObjectCapture(step) && step.state == StepState.PENDING) {
                    dispatch(run, step, null, previousManifest(step.store)
                            .map(m -> Map.of(StepCommand.Parameters.PREVIOUS_MANIFEST, m)).orElse(Map.of()));
                }
            }
            boolean searchDone = steps.stream().filter(RunStateMachine::isSearchCapture)
                    .allMatch(s -> s.state == StepState.SUCCEEDED);
            boolean resumeSent = steps.stream().anyMatch(RunStateMachine::isResume);
            if (searchDone && !resumeSent) {
                int seq = steps.size();
                for (StepEntity quiesce : steps.stream().filter(RunStateMachine::isQuiesce).toList()) {
                    dispatch(run, newStep(run, seq++, quiesce.store, quiesce.storeKind, StepAction.RESUME, null, null),
                            null, Map.of());
                }
                steps = StepEntity.ofRun(run.id);
            }
        }
        boolean captured = steps.stream().filter(s -> s.action == StepAction.BACKUP || isResume(s))
                .allMatch(s -> s.state == StepState.SUCCEEDED);
        boolean resumed = steps.stream().noneMatch(RunStateMachine::isQuiesce) || steps.stream().anyMatch(RunStateMachine::isResume);
        if (captured && resumed) {
            startVerification(run, steps);
        }
    }

    /** The manifest of the newest successful copy of this store, for an incremental copy. */
    private java.util.Optional<String> previousManifest(String store) {
        return StepEntity.<StepEntity>find("store = ?1 and storeKind = ?2 and action = ?3 and state = ?4 "
                + "and runId in (select r.id from RunEntity r where r.state = ?5 and r.expiringAt is null) order by endedAt desc", store,
                StoreKind.OBJECTSTORE, StepAction.BACKUP, StepState.SUCCEEDED, RunState.CONSISTENT)
                .firstResultOptional().map(s -> s.artifact);
    }

    private void startVerification(RunEntity run, List<StepEntity> steps) {
        run.phase = RunPhase.VERIFYING;
        run.state = RunState.VERIFYING;
        run.bytes = steps.stream().filter(s -> s.action == StepAction.BACKUP)
                .mapToLong(s -> s.bytes == null ? 0 : s.bytes).sum();
        int seq = steps.size();
        for (StepEntity capture : steps.stream().filter(s -> s.action == StepAction.BACKUP).toList()) {
            StepEntity verify = newStep(run, seq++, capture.store, capture.storeKind, StepAction.VERIFY, capture.database,
                    capture.artifact);
            Map<String, String> parameters = new HashMap<>();
            if (isSearchCapture(capture)) {
                parameters.put(StepCommand.Parameters.SNAPSHOT, snapshotName(run));
            }
            if (isObjectCapture(capture)) {
                String refs = references(run).stream()
                        .filter(r -> r.path("objects").asText().equals(capture.store))
                        .map(r -> referenceArtifact(run, r))
                        .collect(Collectors.joining(","));
                if (!refs.isEmpty()) {
                    parameters.put(StepCommand.Parameters.REFERENCE_ARTIFACTS, refs);
                }
            }
            dispatch(run, verify, capture.sha256, parameters);
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
        if (PlanSpec.VERIFY_RESTORE_DRILL.equals(PlanService.fromJson(run.planSpec).verify())) {
            try {
                startDerived(run, RestorePlanner.TYPE_DRILL, RestoreOptions.DEFAULT);
            } catch (RestoreRejectedException e) {
                recordVerification(run, false, "the restore drill could not start: " + e.getMessage(), null);
            }
        }
    }

    /**
     * Ends a run as FAILED (rule 5): every quiesced search store is sent a resume, every running step a cancel
     * (which kills its work and aborts its uploads), and every step not yet ended is cancelled.
     */
    public void fail(RunEntity run, String reason) {
        if (run.state.terminal()) {
            return;
        }
        Instant now = clock.instant();
        List<StepEntity> steps = StepEntity.ofRun(run.id);
        for (StepEntity step : steps) {
            if (step.state.terminal()) {
                continue;
            }
            if (isCleanup(step)) {
                boolean needed = step.action == StepAction.DROP || steps.stream().anyMatch(q -> isQuiesce(q)
                        && q.store.equals(step.store) && q.dispatchedAt != null);
                if (step.state == StepState.PENDING && needed) {
                    dispatch(run, step, step.expectedSha256, parameters(step));
                } else if (step.state == StepState.PENDING) {
                    step.state = StepState.CANCELLED;
                    step.endedAt = now;
                }
                continue;
            }
            if (step.state == StepState.DISPATCHED || step.state == StepState.RUNNING) {
                control(run, step, StepAction.CANCEL, Map.of(StepCommand.Parameters.TARGET_STEP, step.id.toString()));
            }
            step.state = StepState.CANCELLED;
            step.endedAt = now;
        }
        Predicate<StepEntity> resumedOk = s -> isResume(s) && s.state == StepState.SUCCEEDED;
        int seq = steps.size();
        for (StepEntity quiesce : steps.stream().filter(RunStateMachine::isQuiesce)
                .filter(q -> q.dispatchedAt != null).toList()) {
            boolean alreadyResumed = steps.stream().anyMatch(s -> resumedOk.test(s) && s.store.equals(quiesce.store));
            boolean resumePending = steps.stream().anyMatch(s -> isResume(s) && !s.state.terminal()
                    && s.store.equals(quiesce.store));
            if (!alreadyResumed && !resumePending) {
                dispatch(run, newStep(run, seq++, quiesce.store, quiesce.storeKind, StepAction.RESUME, null, null), null,
                        Map.of());
            }
        }
        run.state = RunState.FAILED;
        run.phase = RunPhase.DONE;
        run.error = reason;
        run.endedAt = now;
        if (isRestore(run) || isDrill(run)) {
            publish(run, EventTypes.RESTORE_FAILED);
        } else if (TYPE_BACKUP.equals(run.type)) {
            publish(run, EventTypes.RUN_FAILED);
        }
        if (isDrill(run)) {
            RunEntity source = RunEntity.findById(run.sourceRunId, LockModeType.PESSIMISTIC_WRITE);
            recordVerification(source, false, "restore drill " + run.id + " failed: " + reason, run);
        }
        if (isRestore(run)) {
            runStartHook(run);
        }
        LOG.warnf("run %s of plan %s FAILED: %s", run.id, run.plan, reason);
    }

    // ---------------------------------------------------------------- restores, drills, dry runs, re-verification

    /**
     * Starts a run that uses a backup: a restore, a restore drill, a dry run or a re-verification (the types of
     * {@link RestorePlanner}). Its steps are planned at once and run in waves.
     *
     * @throws RestoreRejectedException when the request cannot be served; nothing is written then
     */
    public RunEntity startDerived(RunEntity source, String type, RestoreOptions options) {
        Instant now = clock.instant();
        RunEntity run = new RunEntity();
        run.id = UUID.randomUUID();
        run.plan = source.plan;
        run.type = type;
        run.state = RunState.QUEUED;
        run.phase = RunPhase.QUEUED;
        run.planSpec = source.planSpec;
        run.sourceRunId = source.id;
        run.options = Json.write(options);
        run.createdAt = now;
        List<RestorePlanner.Planned> planned = RestorePlanner.plan(type, run, source, StepEntity.ofRun(source.id),
                options);
        run.persist();
        int seq = 0;
        for (RestorePlanner.Planned p : planned) {
            StepEntity step = newStep(run, seq++, p.store(), p.kind(), p.action(), p.database(), p.artifact());
            step.wave = p.wave();
            step.parameters = Json.write(p.parameters());
            step.expectedSha256 = p.expectedSha256();
        }
        run.state = RunState.RUNNING;
        run.phase = RunPhase.IN_WAVES;
        run.startedAt = now;
        if (isRestore(run) || isDrill(run)) {
            publish(run, EventTypes.RESTORE_STARTED);
        }
        LOG.infof("%s run %s of backup %s started with %d steps", type, run.id, source.id, planned.size());
        advanceWaves(run);
        return run;
    }

    private static boolean isRestore(RunEntity run) {
        return RestorePlanner.TYPE_RESTORE.equals(run.type);
    }

    private static boolean isDrill(RunEntity run) {
        return RestorePlanner.TYPE_DRILL.equals(run.type);
    }

    /** The planned parameters of a step, with a fresh lease for a quiesce. */
    private Map<String, String> parameters(StepEntity step) {
        Map<String, String> parameters = new HashMap<>(Json.readMap(step.parameters));
        if (isQuiesce(step)) {
            parameters.putAll(leaseParameters());
        }
        return parameters;
    }

    /** A quiesce's or a renewal's lease: the coordinator's configured length. */
    private Map<String, String> leaseParameters() {
        return Map.of(StepCommand.Parameters.LEASE_SECONDS, Long.toString(config.quiesceLease().toSeconds()));
    }

    /** Dispatches the next wave once every step before it succeeded; concludes after the last. */
    private void advanceWaves(RunEntity run) {
        List<StepEntity> steps = StepEntity.ofRun(run.id);
        if (steps.stream().anyMatch(s -> s.state == StepState.DISPATCHED || s.state == StepState.RUNNING)) {
            return;
        }
        java.util.OptionalInt next = steps.stream().filter(s -> s.state == StepState.PENDING).mapToInt(s -> s.wave).min();
        if (next.isEmpty()) {
            concludeWaves(run, steps);
            return;
        }
        int wave = next.getAsInt();
        if (isRestore(run) && wave > RestorePlanner.PREFLIGHT && result(run).get("stopHookCalledAt") == null) {
            String url = PlanService.fromJson(run.planSpec).hook(PlanSpec.HOOK_STOP_DEPENDENTS);
            if (url != null) {
                updateResult(run, "stopHookCalledAt", clock.instant().toString());
                String failure = hooks.call(PlanSpec.HOOK_STOP_DEPENDENTS, url, hookBody(run, "stop"));
                if (failure != null) {
                    fail(run, failure + "; nothing was restored");
                    return;
                }
            }
        }
        for (StepEntity step : steps) {
            if (step.state == StepState.PENDING && step.wave == wave) {
                dispatch(run, step, step.expectedSha256, parameters(step));
            }
        }
    }

    private void concludeWaves(RunEntity run, List<StepEntity> steps) {
        Instant now = clock.instant();
        Map<String, Object> result = new java.util.LinkedHashMap<>(result(run));
        run.bytes = steps.stream().filter(s -> s.action == StepAction.RESTORE)
                .mapToLong(s -> s.bytes == null ? 0 : s.bytes).sum();
        switch (run.type) {
            case RestorePlanner.TYPE_DRY_RUN -> result.putAll(dryRunReport(run, steps));
            case RestorePlanner.TYPE_DRILL -> result.putAll(drillFigures(steps));
            case RestorePlanner.TYPE_RESTORE -> result.put("restored", steps.stream()
                    .filter(s -> s.action == StepAction.RESTORE)
                    .map(s -> Map.of("store", s.store, "database", s.database == null ? "" : s.database,
                            "evidence", Json.readMap(s.evidence)))
                    .toList());
            default -> {
            }
        }
        run.result = Json.write(result);
        if (isRestore(run)) {
            String startFailure = runStartHook(run);
            if (startFailure != null) {
                fail(run, "the stores were restored, but " + startFailure);
                return;
            }
        }
        run.state = RunState.SUCCEEDED;
        run.phase = RunPhase.DONE;
        run.endedAt = now;
        if (isDrill(run)) {
            RunEntity source = RunEntity.findById(run.sourceRunId, LockModeType.PESSIMISTIC_WRITE);
            recordVerification(source, true, null, run);
        }
        if (isRestore(run) || isDrill(run)) {
            publish(run, EventTypes.RESTORE_SUCCEEDED);
        }
        LOG.infof("%s run %s of backup %s SUCCEEDED", run.type, run.id, run.sourceRunId);
    }

    /** What a restore with the same options would do, and what the agents found it would replace. */
    private Map<String, Object> dryRunReport(RunEntity run, List<StepEntity> steps) {
        RunEntity source = RunEntity.findById(run.sourceRunId);
        RestoreOptions options = readOptions(run);
        Map<String, Object> report = new java.util.LinkedHashMap<>();
        report.put("steps", RestorePlanner.describe(RestorePlanner.plan(RestorePlanner.TYPE_RESTORE, run, source,
                StepEntity.ofRun(source.id), options)));
        long bytes = 0;
        long objects = 0;
        List<String> databases = new ArrayList<>();
        List<String> indices = new ArrayList<>();
        List<Map<String, Object>> stores = new ArrayList<>();
        for (StepEntity s : steps) {
            Map<String, String> e = Json.readMap(s.evidence);
            bytes += Json.number(e.get("bytesToTransfer"));
            objects += Json.number(e.get("objectsToCopy"));
            if (s.storeKind == StoreKind.POSTGRES && Boolean.parseBoolean(e.get("targetExists"))) {
                databases.add(s.store + "/" + e.get("database"));
            }
            if (e.get("indicesToReplace") != null && !e.get("indicesToReplace").isBlank()) {
                indices.addAll(List.of(e.get("indicesToReplace").split(",")));
            }
            stores.add(Map.of("store", s.store, "kind", s.storeKind.name(), "database", s.database == null ? "" : s.database,
                    "findings", e));
        }
        report.put("bytesToTransfer", bytes);
        report.put("objectsToCopy", objects);
        report.put("databasesToReplace", databases);
        report.put("indicesToReplace", indices);
        report.put("stores", stores);
        return report;
    }

    /** The drill's figures: time to restore and what the checks counted. */
    private static Map<String, Object> drillFigures(List<StepEntity> steps) {
        List<StepEntity> restores = steps.stream().filter(s -> s.action == StepAction.RESTORE).toList();
        Instant from = restores.stream().map(s -> s.dispatchedAt).filter(java.util.Objects::nonNull)
                .min(Instant::compareTo).orElse(null);
        Instant to = restores.stream().map(s -> s.endedAt).filter(java.util.Objects::nonNull)
                .max(Instant::compareTo).orElse(null);
        Map<String, Object> figures = new java.util.LinkedHashMap<>();
        if (from != null && to != null) {
            figures.put("rtoMillis", java.time.Duration.between(from, to).toMillis());
        }
        long tables = 0;
        long rows = 0;
        long objects = 0;
        long documents = 0;
        long references = 0;
        for (StepEntity s : steps) {
            if (s.action != StepAction.CHECK) {
                continue;
            }
            Map<String, String> e = Json.readMap(s.evidence);
            tables += Json.number(e.get("tables"));
            rows += Json.number(e.get("rows"));
            objects += Json.number(e.get("objectsVerified"));
            documents += Json.number(e.get("documents"));
            references += Json.number(e.get("references"));
        }
        figures.put("tables", tables);
        figures.put("rows", rows);
        figures.put("objects", objects);
        figures.put("documents", documents);
        figures.put("references", references);
        figures.put("bytesRestored", restores.stream().mapToLong(s -> s.bytes == null ? 0 : s.bytes).sum());
        return figures;
    }

    /** Marks a backup verified (or not) by a drill, and tells subscribers. */
    private void recordVerification(RunEntity backup, boolean passed, String reason, RunEntity drill) {
        if (backup == null) {
            return;
        }
        Map<String, Object> verification = new java.util.LinkedHashMap<>();
        verification.put("passed", passed);
        verification.put("at", clock.instant().toString());
        if (drill != null) {
            verification.put("drillRunId", drill.id.toString());
            verification.putAll(result(drill));
        }
        if (reason != null) {
            verification.put("reason", reason);
        }
        backup.verification = Json.write(verification);
        backup.verified = passed;
        backup.verifiedAt = passed ? clock.instant() : null;
        publishAbout(backup, passed ? EventTypes.RUN_VERIFIED : EventTypes.RUN_VERIFICATION_FAILED, reason);
    }

    /** Runs the start-dependents hook of a restore that ran the stop hook; returns a failure or null. */
    private String runStartHook(RunEntity run) {
        Map<String, Object> result = result(run);
        if (result.get("stopHookCalledAt") == null || result.get("startHookCalledAt") != null) {
            return null;
        }
        String url = PlanService.fromJson(run.planSpec).hook(PlanSpec.HOOK_START_DEPENDENTS);
        if (url == null) {
            return null;
        }
        updateResult(run, "startHookCalledAt", clock.instant().toString());
        return hooks.call(PlanSpec.HOOK_START_DEPENDENTS, url, hookBody(run, "start"));
    }

    private static Map<String, Object> hookBody(RunEntity run, String action) {
        return Map.of("action", action + "-dependents", "runId", run.id.toString(), "plan", run.plan,
                "backupRunId", String.valueOf(run.sourceRunId));
    }

    static Map<String, Object> result(RunEntity run) {
        return Json.readObject(run.result);
    }

    private static void updateResult(RunEntity run, String key, Object value) {
        Map<String, Object> result = new java.util.LinkedHashMap<>(result(run));
        result.put(key, value);
        run.result = Json.write(result);
    }

    static RestoreOptions readOptions(RunEntity run) {
        RestoreOptions options = Json.read(run.options, RestoreOptions.class);
        return options == null ? RestoreOptions.DEFAULT : options;
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
        Instant now = clock.instant();
        List<StepEntity> steps = StepEntity.ofRun(run.id);
        for (StepEntity step : steps) {
            if (step.state.terminal() || step.state == StepState.PENDING) {
                continue;
            }
            if (step.deadline != null && now.isAfter(step.deadline)) {
                step.state = StepState.FAILED;
                step.error = "timed out: no result by " + step.deadline;
                step.endedAt = now;
                fail(run, BackupEvidence.describe(step) + " timed out: no result by its deadline " + step.deadline);
                return;
            }
            StoreEntity store = StoreEntity.findById(step.store);
            if (store == null || liveness.silent(store.lastSeen)) {
                step.state = StepState.FAILED;
                step.error = "agent went silent";
                step.endedAt = now;
                fail(run, BackupEvidence.describe(step) + " lost its agent: "
                        + (store == null ? "the store is no longer announced"
                                : store.agentId + " sent no heartbeat since " + store.lastSeen));
                return;
            }
        }
        for (StepEntity quiesce : steps.stream().filter(RunStateMachine::isQuiesce)
                .filter(q -> q.state == StepState.SUCCEEDED || q.state == StepState.RUNNING).toList()) {
            boolean released = steps.stream().anyMatch(s -> isResume(s) && s.store.equals(quiesce.store)
                    && s.dispatchedAt != null);
            if (!released) {
                control(run, quiesce, StepAction.RENEW_LEASE, leaseParameters());
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
                if (!run.state.terminal()) {
                    fail(run, BackupEvidence.describe(s) + " was lost: agent " + agentId + " restarted at " + startedAt);
                }
            });
        }
    }

    private void publishAbout(RunEntity run, String type, String reason) {
        outbox.runEvent(type, runEvent(run, reason, clock.instant()));
    }

    private void publish(RunEntity run, String type) {
        publishAbout(run, type, run.error);
    }

    /** The public record of a run's state, as every run event carries it. */
    public static RunEvent runEvent(RunEntity run, String reason, Instant at) {
        return new RunEvent(run.id, run.plan, run.type, run.state.name(), run.consistencyPoint, run.label, run.bytes,
                reason, at, run.startedAt, run.sourceRunId, run.verified);
    }
}
