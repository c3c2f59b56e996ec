package io.lockstep.coordinator.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.coordinator.catalog.Json;
import io.lockstep.coordinator.catalog.RestoreOptions;
import io.lockstep.coordinator.run.RestorePlanner;
import io.lockstep.coordinator.run.RestoreRejectedException;
import io.lockstep.coordinator.run.RunStateMachine;
import io.lockstep.coordinator.catalog.StepState;
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

/**
 * The checks a restore passes before it starts, each answered with a problem detail: the backup's artifacts are
 * all in the repository, and new targets do not already exist (found out by a dry run the agents answer).
 */
@ApplicationScoped
public class RestoreGate {

    /** How long the API waits for the agents' answers to a dry run. */
    static final Duration DRY_RUN_WAIT = Duration.ofSeconds(30);

    private final RunStateMachine machine;
    private final RepositoryClient repositoryClient;

    RestoreGate(RunStateMachine machine, RepositoryClient repositoryClient) {
        this.machine = machine;
        this.repositoryClient = repositoryClient;
    }

    /** 422 if an artifact the restore needs is missing from the repository. */
    void checkArtifacts(UUID sourceId, RestoreOptions options) {
        BackupRepository repository = repositoryClient.get().orElse(null);
        if (repository == null) {
            return; // no repository configured for the coordinator: the agents' pre-flight verification checks
        }
        List<StepEntity> captures = QuarkusTransaction.requiringNew().call(() -> StepEntity.<StepEntity>list(
                "runId = ?1 and action = ?2 and state = ?3", sourceId, StepAction.BACKUP, StepState.SUCCEEDED));
        List<String> missing = new ArrayList<>();
        for (StepEntity c : captures) {
            if (options.stores() != null && !options.stores().isEmpty() && !options.stores().contains(c.store)) {
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
            } catch (RepositoryException e) {
                throw new ApiException(503, "Repository unreachable", "cannot check the backup's artifacts: "
                        + e.getMessage());
            }
        }
        if (!missing.isEmpty()) {
            throw new ApiException(422, "Artifact missing", "the backup repository no longer holds " + missing
                    + "; run " + sourceId + " cannot be restored", RunResource.ids(sourceId));
        }
    }

    /** Starts a run that uses the backup {@code sourceId} (404 if there is none; the planner's refusals as problems). */
    Views.RunView start(UUID sourceId, RunType type, RestoreOptions options) {
        return QuarkusTransaction.requiringNew().call(() -> {
            RunEntity source = RunEntity.findById(sourceId);
            if (source == null) {
                throw ApiException.notFound("no run with id " + sourceId);
            }
            RunEntity run = machine.startDerived(source, type, options);
            return Views.RunView.of(run, StepEntity.ofRun(run.id));
        });
    }

    /** Starts a dry run and waits (bounded) for the agents' answers. */
    Views.RunView dryRun(UUID sourceId, RestoreOptions options) {
        UUID dryRunId = start(sourceId, RunType.DRY_RUN, options).id();
        Instant until = Instant.now().plus(DRY_RUN_WAIT);
        while (true) {
            Views.RunView view = QuarkusTransaction.requiringNew().call(() -> {
                RunEntity run = RunEntity.findById(dryRunId);
                return run.state.terminal() ? Views.RunView.of(run, StepEntity.ofRun(run.id)) : null;
            });
            if (view != null || Instant.now().isAfter(until)) {
                if (view == null) {
                    return QuarkusTransaction.requiringNew().call(() -> {
                        RunEntity run = RunEntity.findById(dryRunId);
                        return Views.RunView.of(run, StepEntity.ofRun(run.id));
                    });
                }
                if ("FAILED".equals(view.state())) {
                    throw new ApiException(409, "Dry run failed", view.error(), RunResource.ids(dryRunId));
                }
                return view;
            }
            try {
                Thread.sleep(100); // polling the catalog for the agents' answers, bounded by DRY_RUN_WAIT
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(503, "Interrupted", "the dry run was interrupted");
            }
        }
    }

    /** 409 when a restore into new targets would land on names that already exist. */
    void refuseCollisions(UUID sourceId, RestoreOptions options) {
        RestoreOptions inspectOnly = new RestoreOptions(options.stores(), options.targets(), true, options.force(),
                options.prune());
        Views.RunView inspection = dryRun(sourceId, inspectOnly);
        if (!"SUCCEEDED".equals(inspection.state())) {
            throw new ApiException(503, "Targets not checked", "the agents did not say in time whether the new targets "
                    + "exist; dry run " + inspection.id() + " is still running", RunResource.ids(inspection.id()));
        }
        List<String> collisions = new ArrayList<>();
        for (Views.StepView step : inspection.steps()) {
            Map<String, String> e = step.evidence();
            boolean newTarget = options.targets() != null && options.targets().containsKey(step.store());
            if (!newTarget) {
                continue;
            }
            JsonNode target = options.targets().get(step.store());
            switch (StoreKind.valueOf(step.kind())) {
                case POSTGRES -> {
                    boolean renamed = target.path("databases").has(step.database());
                    if (renamed && Boolean.parseBoolean(e.get("targetExists"))) {
                        collisions.add("database " + e.get("database") + " of store " + step.store() + " exists");
                    }
                }
                case OBJECTSTORE -> {
                    long present = Json.number(e.get("unchanged")) + Json.number(e.get("keysToOverwrite"))
                            + Json.number(e.get("keysNotInManifestKept")) + Json.number(e.get("keysToDelete"));
                    if (present > 0) {
                        collisions.add(present + " objects already exist under " + e.get("bucket") + "/"
                                + e.get("prefix"));
                    }
                }
                case SEARCH -> {
                    String inTheWay = e.get("indicesInTheWay");
                    if (inTheWay != null && !inTheWay.isBlank()) {
                        collisions.add("indices " + inTheWay + " of store " + step.store() + " exist");
                    }
                }
            }
        }
        if (!collisions.isEmpty()) {
            throw new ApiException(409, "Targets exist", "a restore into new targets never overwrites: "
                    + String.join("; ", collisions) + ". Choose other names, or restore in place.",
                    RunResource.ids(inspection.id()));
        }
    }

}
