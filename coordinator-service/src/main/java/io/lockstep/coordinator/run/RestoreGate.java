package io.lockstep.coordinator.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.coordinator.catalog.Json;
import io.lockstep.coordinator.catalog.RestoreOptions;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.RepositoryException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * The checks a restore passes before it starts, each refusal a {@link RestoreRejectedException} (a problem detail at
 * the API): the backup's artifacts are all in the repository, and new targets do not already exist (found out by a
 * dry run the agents answer). Each method runs its own transactions; a started run is shown through {@code view},
 * applied in the transaction that started it.
 */
@ApplicationScoped
public class RestoreGate {

    /** How long the API waits for the agents' answers to a dry run. */
    static final Duration DRY_RUN_WAIT = Duration.ofSeconds(30);

    private final RunStateMachine machine;

    RestoreGate(RunStateMachine machine) {
        this.machine = machine;
    }

    /**
     * 422 if an artifact the restore needs is missing from {@code repository}, 503 if the repository cannot be read;
     * nothing is checked without a repository (the agents' pre-flight verification checks then).
     */
    public void checkArtifacts(UUID sourceId, RestoreOptions options, BackupRepository repository) {
        if (repository == null) {
            return;
        }
        List<StepEntity> captures = QuarkusTransaction.requiringNew()
                .call(() -> StepEntity.<StepEntity>list(
                        "runId = ?1 and action = ?2 and state = ?3", sourceId, StepAction.BACKUP, StepState.SUCCEEDED));
        List<String> missing = new ArrayList<>();
        for (StepEntity c : captures) {
            if (options.stores() != null
                    && !options.stores().isEmpty()
                    && !options.stores().contains(c.store)) {
                continue;
            }
            try {
                if (c.storeKind == StoreKind.SEARCH) {
                    String uuid = c.evidence.get("snapshotUuid");
                    String marker = c.artifact + "snap-" + uuid + ".dat";
                    if (uuid != null && !repository.exists(marker)) {
                        missing.add(marker);
                    }
                } else if (c.artifact != null && !repository.exists(c.artifact)) {
                    missing.add(c.artifact);
                }
                String base = c.evidence == null ? null : c.evidence.get(EvidenceKeys.BASE_BACKUP_ARTIFACT);
                if (options.pointInTimeRequested() && base != null && !repository.exists(base)) {
                    missing.add(base);
                }
            } catch (RepositoryException e) {
                throw new RestoreRejectedException(
                        503, "Repository unreachable", "cannot check the backup's artifacts: " + e.getMessage());
            }
        }
        if (!missing.isEmpty()) {
            throw new RestoreRejectedException(
                    422,
                    "Artifact missing",
                    "the backup repository no longer holds " + missing + "; run " + sourceId + " cannot be restored",
                    sourceId);
        }
    }

    /** Starts a run that uses the backup {@code sourceId} (404 if there is none; the planner's refusals). */
    public <T> T start(UUID sourceId, RunType type, RestoreOptions options, Function<RunEntity, T> view) {
        return QuarkusTransaction.requiringNew().call(() -> {
            RunEntity source = RunEntity.findById(sourceId);
            if (source == null) {
                throw new RestoreRejectedException(404, "Not found", "no run with id " + sourceId);
            }
            return view.apply(machine.startDerived(source, type, options));
        });
    }

    /**
     * Starts a dry run and waits (bounded) for the agents' answers: the dry run as it ended, or as it is when the wait
     * is over; 409 if it failed.
     */
    public <T> T dryRun(UUID sourceId, RestoreOptions options, Function<RunEntity, T> view) {
        UUID dryRunId = start(sourceId, RunType.DRY_RUN, options, run -> run.id);
        Instant until = Instant.now().plus(DRY_RUN_WAIT);
        while (true) {
            boolean waitOver = Instant.now().isAfter(until);
            T ended = QuarkusTransaction.requiringNew().call(() -> {
                RunEntity run = RunEntity.findById(dryRunId);
                if (run.state == RunState.FAILED) {
                    throw new RestoreRejectedException(409, "Dry run failed", run.error, dryRunId);
                }
                return run.state.terminal() || waitOver ? view.apply(run) : null;
            });
            if (ended != null) {
                return ended;
            }
            try {
                Thread.sleep(100); // polling the catalog for the agents' answers, bounded by DRY_RUN_WAIT
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RestoreRejectedException(503, "Interrupted", "the dry run was interrupted");
            }
        }
    }

    /** 409 when a restore into new targets would land on names that already exist. */
    public void refuseCollisions(UUID sourceId, RestoreOptions options) {
        RestoreOptions inspectOnly = new RestoreOptions(
                options.stores(), options.targets(), true, options.force(), options.prune(), options.pointInTime());
        record Inspection(UUID id, RunState state, List<StepEntity> steps) {}
        Inspection inspection =
                dryRun(sourceId, inspectOnly, run -> new Inspection(run.id, run.state, StepEntity.ofRun(run.id)));
        if (inspection.state() != RunState.SUCCEEDED) {
            throw new RestoreRejectedException(
                    503,
                    "Targets not checked",
                    "the agents did not say in time whether the " + "new targets exist; dry run " + inspection.id()
                            + " is still running",
                    inspection.id());
        }
        List<String> collisions = new ArrayList<>();
        for (StepEntity step : inspection.steps()) {
            Map<String, String> e = step.evidence;
            boolean newTarget = options.targets() != null && options.targets().containsKey(step.store);
            if (!newTarget) {
                continue;
            }
            JsonNode target = options.targets().get(step.store);
            switch (step.storeKind) {
                case POSTGRES -> {
                    boolean renamed = target.path("databases").has(step.database);
                    if (renamed && Boolean.parseBoolean(e.get("targetExists"))) {
                        collisions.add("database " + e.get("database") + " of store " + step.store + " exists");
                    }
                }
                case OBJECTSTORE -> {
                    long present = Json.number(e.get("unchanged"))
                            + Json.number(e.get("keysToOverwrite"))
                            + Json.number(e.get("keysNotInManifestKept"))
                            + Json.number(e.get("keysToDelete"));
                    if (present > 0) {
                        collisions.add(
                                present + " objects already exist under " + e.get("bucket") + "/" + e.get("prefix"));
                    }
                }
                case SEARCH -> {
                    String inTheWay = e.get("indicesInTheWay");
                    if (inTheWay != null && !inTheWay.isBlank()) {
                        collisions.add("indices " + inTheWay + " of store " + step.store + " exist");
                    }
                }
            }
        }
        if (!collisions.isEmpty()) {
            throw new RestoreRejectedException(
                    409,
                    "Targets exist",
                    "a restore into new targets never overwrites: " + String.join("; ", collisions)
                            + ". Choose other names, or restore in place.",
                    inspection.id());
        }
    }
}
