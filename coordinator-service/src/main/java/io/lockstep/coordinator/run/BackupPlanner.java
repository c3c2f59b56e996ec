package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.Json;
import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StoreEntity;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand.Parameters;
import io.lockstep.protocol.StoreKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Plans a backup's steps and names its artifacts; pure, like {@link RestorePlanner}. Which stage dispatches each
 * step, and when, is {@link BackupStage}'s. Artifacts live under {@code runs/<plan>/<runId>/<store>/}: a dump
 * {@code <db>.dump} with its reference keys {@code <db>.refs.txt.gz} and table census {@code <db>.tables.tsv}, an
 * object manifest {@code objects.jsonl.gz}; search snapshots are {@code lockstep-<runId>} in {@code search/<store>/}.
 */
public final class BackupPlanner {

    /**
     * The steps of a backup, in plan order, and why it cannot start (empty when it can).
     *
     * @param steps what to create, even when the backup cannot start (they are then recorded as cancelled)
     */
    public record Plan(List<PlannedStep> steps, List<String> problems) {}

    private BackupPlanner() {}

    /** Whether a store's agent counts as silent; {@link AgentLiveness} judges it over what the coordinator read. */
    public interface Liveness {
        boolean silent(Instant lastSeen);

        long windowSeconds();

        /** Silent when last seen more than {@code window} before {@code now}. */
        static Liveness window(Duration window, Instant now) {
            return new Liveness() {
                @Override
                public boolean silent(Instant lastSeen) {
                    return lastSeen.isBefore(now.minus(window));
                }

                @Override
                public long windowSeconds() {
                    return window.toSeconds();
                }
            };
        }
    }

    /**
     * Plans a backup of the stores of {@code spec}: a capture per database, object store and search store, and a
     * quiesce before each search store's capture.
     *
     * @param stores the announced stores by id (null when none is announced)
     * @param liveness whether a store's agent counts as silent
     */
    public static Plan plan(
            RunEntity run, PlanSpec spec, Function<String, StoreEntity> stores, Instant now, Liveness liveness) {
        List<String> problems = new ArrayList<>();
        List<PlannedStep> steps = new ArrayList<>();
        for (String storeId : spec.stores()) {
            StoreEntity store = stores.apply(storeId);
            if (store == null) {
                problems.add("store " + storeId + " is not announced by any agent");
                continue;
            }
            if (liveness.silent(store.lastSeen)) {
                problems.add(
                        "store " + storeId + " has no live agent: " + store.agentId + " sent its last heartbeat at "
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
                        steps.add(PlannedStep.backup(
                                store.id,
                                kind,
                                StepAction.BACKUP,
                                database,
                                artifactKey(run, store.id, database + ".dump")));
                    }
                }
                case OBJECTSTORE ->
                    steps.add(PlannedStep.backup(
                            store.id, kind, StepAction.BACKUP, null, artifactKey(run, store.id, "objects.jsonl.gz")));
                case SEARCH -> {
                    steps.add(PlannedStep.backup(store.id, kind, StepAction.QUIESCE, null, null));
                    steps.add(PlannedStep.backup(store.id, kind, StepAction.BACKUP, null, "search/" + store.id + "/"));
                }
            }
        }
        return new Plan(steps, problems);
    }

    /** The repository key of an artifact of a run: {@code runs/<plan>/<runId>/<store>/<name>}. */
    public static String artifactKey(RunEntity run, String store, String name) {
        return "runs/" + run.plan + "/" + run.id + "/" + store + "/" + name;
    }

    /** The name of the search snapshots a backup takes. */
    static String snapshotName(RunEntity run) {
        return "lockstep-" + run.id;
    }

    /** The snapshot a search capture took: as its agent reported it, else the name the run gave it. */
    public static String snapshotName(StepEntity capture) {
        String recorded = capture.evidence.get("snapshot");
        return recorded != null ? recorded : "lockstep-" + capture.runId;
    }

    /**
     * A capture's parameters: for a database its reference query and where its keys and table census go, for a
     * search store the snapshot's name, for an object store the manifest of its previous copy.
     */
    static Map<String, String> captureParameters(
            RunEntity run, PlanSpec spec, StepEntity capture, Optional<String> previousManifest) {
        Map<String, String> parameters = new HashMap<>();
        switch (capture.storeKind) {
            case POSTGRES -> {
                spec.referenceList().stream()
                        .filter(r -> capture.store.equals(r.store()) && capture.database.equals(r.database()))
                        .findFirst()
                        .ifPresent(r -> {
                            parameters.put(Parameters.REFERENCE_QUERY, r.query());
                            parameters.put(Parameters.REFERENCE_ARTIFACT, referenceArtifact(run, r));
                        });
                parameters.put(
                        Parameters.CENSUS_ARTIFACT, artifactKey(run, capture.store, capture.database + ".tables.tsv"));
            }
            case SEARCH -> parameters.put(Parameters.SNAPSHOT, snapshotName(run));
            case OBJECTSTORE -> previousManifest.ifPresent(m -> parameters.put(Parameters.PREVIOUS_MANIFEST, m));
        }
        return parameters;
    }

    /** The verification of a capture: its snapshot, or the reference keys an object manifest must resolve. */
    static PlannedStep verification(RunEntity run, PlanSpec spec, StepEntity capture) {
        Map<String, String> parameters = new HashMap<>();
        if (StepRoles.isSearchCapture(capture)) {
            parameters.put(Parameters.SNAPSHOT, snapshotName(run));
        }
        if (StepRoles.isObjectCapture(capture)) {
            Map<String, String> evidence = capture.evidence == null ? Map.of() : capture.evidence;
            copy(evidence, EvidenceKeys.OBJECTS, parameters, Parameters.OBJECTS);
            // An incremental copy's base and how much it copied: verification checks what it copied and a sample of
            // what it reused (see the objectstore-agent's BucketVerifier).
            if (evidence.get(EvidenceKeys.BASE) != null && evidence.get(EvidenceKeys.BLOBS_LISTED) != null) {
                copy(evidence, EvidenceKeys.BASE, parameters, Parameters.PREVIOUS_MANIFEST);
                copy(evidence, EvidenceKeys.COPIED, parameters, Parameters.COPIED);
            }
            String refs = spec.referenceList().stream()
                    .filter(r -> capture.store.equals(r.objects()))
                    .map(r -> referenceArtifact(run, r))
                    .collect(Collectors.joining(","));
            if (!refs.isEmpty()) {
                parameters.put(Parameters.REFERENCE_ARTIFACTS, refs);
            }
        }
        return new PlannedStep(
                capture.store,
                capture.storeKind,
                StepAction.VERIFY,
                capture.database,
                capture.artifact,
                capture.sha256,
                0,
                parameters);
    }

    private static void copy(Map<String, String> from, String key, Map<String, String> to, String as) {
        String value = from.get(key);
        if (value != null) {
            to.put(as, value);
        }
    }

    /** Where the postgres-agent writes a reference's keys: {@code <db>.refs.txt.gz} beside the dump. */
    private static String referenceArtifact(RunEntity run, PlanSpec.Reference reference) {
        return artifactKey(run, reference.store(), reference.database() + ".refs.txt.gz");
    }
}
