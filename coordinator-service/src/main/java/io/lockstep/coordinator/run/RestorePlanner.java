package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RestoreOptions;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand.Parameters;
import io.lockstep.protocol.StoreKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Plans the steps of a run that uses a backup, in waves (docs/rules.md, "Restore order"). A wave starts only when
 * every step of the wave before succeeded:
 * <ol start="0">
 * <li>every artifact is re-read and checked against its recorded SHA-256 (so nothing is dropped for a corrupted
 * backup);
 * <li>search stores restored in place are quiesced (and the plan's stop-dependents hook runs);
 * <li>PostgreSQL databases are restored (each into a scratch database swapped in at the end);
 * <li>objects are copied back from their blobs;
 * <li>snapshots are restored;
 * <li>the restored stores are checked: cross-store references, and for a drill every table, object and index;
 * <li>search stores resume (and the start-dependents hook runs), or a drill's scratch targets are dropped.
 * </ol>
 * A dry run plans only inspections; a re-verification only wave 0.
 */
public final class RestorePlanner {

    static final int PREFLIGHT = 0;
    static final int QUIESCE = 1;
    static final int SQL = 2;
    static final int OBJECTS = 3;
    static final int SEARCH = 4;
    static final int CHECK = 5;
    static final int RELEASE = 6;

    private RestorePlanner() {}

    /** The source run's captures: one per database, bucket and search store, in plan order. */
    static List<StepEntity> captures(List<StepEntity> sourceSteps) {
        return sourceSteps.stream()
                .filter(s -> s.action == StepAction.BACKUP && s.state == StepState.SUCCEEDED)
                .toList();
    }

    /**
     * Checks the request against the source run and plans the steps.
     *
     * @throws RestoreRejectedException with a 4xx status when the request cannot be served
     */
    public static List<PlannedStep> plan(
            RunType type, RunEntity run, RunEntity source, List<StepEntity> sourceSteps, RestoreOptions options) {
        if (source.type != RunType.BACKUP) {
            throw new RestoreRejectedException(
                    409,
                    "Not a backup",
                    "run " + source.id + " is a " + source.type + " run; only backups can be restored or verified");
        }
        if (source.expiringAt != null) {
            throw new RestoreRejectedException(
                    409,
                    "Backup expired",
                    "run " + source.id + " was expired by retention (" + source.expiryReason
                            + "); its artifacts are deleted or being deleted");
        }
        if (source.state != RunState.CONSISTENT && !options.isForce()) {
            throw new RestoreRejectedException(
                    409,
                    "Backup not consistent",
                    "run " + source.id + " is " + source.state
                            + (source.error == null ? "" : " (" + source.error + ")")
                            + "; only CONSISTENT runs are restored unless \"force\": true is given");
        }
        List<StepEntity> captures = captures(sourceSteps);
        if (options.pointInTimeRequested()) {
            List<StepEntity> bases = PointInTimePlan.captures(source, captures, options, type);
            return PointInTimePlan.plan(bases, PointInTimePlan.target(options, bases, java.time.Instant.now()));
        }
        Set<String> available = new LinkedHashSet<>();
        captures.forEach(c -> available.add(c.store));
        Set<String> selected = new LinkedHashSet<>(
                options.stores() == null || options.stores().isEmpty() ? available : options.stores());
        List<String> unknown =
                selected.stream().filter(s -> !available.contains(s)).toList();
        if (!unknown.isEmpty()) {
            throw new RestoreRejectedException(
                    422,
                    "Unknown store",
                    "run " + source.id + " holds no backup of " + unknown + "; it has " + available);
        }
        if (options.targets() != null) {
            List<String> stray = options.targets().keySet().stream()
                    .filter(s -> !selected.contains(s))
                    .toList();
            if (!stray.isEmpty()) {
                throw new RestoreRejectedException(
                        422, "Unknown store", "targets name stores that are not restored: " + stray);
            }
        }
        List<StepEntity> chosen =
                captures.stream().filter(c -> selected.contains(c.store)).toList();
        if (chosen.isEmpty()) {
            throw new RestoreRejectedException(
                    409, "Nothing to restore", "run " + source.id + " has no successful " + "capture to restore");
        }
        String tag = run.id.toString().substring(0, 8);
        Map<StepEntity, Map<String, String>> targets = new LinkedHashMap<>();
        for (StepEntity capture : chosen) {
            targets.put(
                    capture,
                    type == RunType.DRILL
                            ? RestoreTargets.scratch(capture, tag)
                            : RestoreTargets.target(capture, options.target(capture.store)));
        }
        List<PlannedStep> planned = new ArrayList<>();
        switch (type) {
            case VERIFY -> chosen.forEach(c -> planned.add(verify(c, source, sourceSteps, selected)));
            case DRY_RUN ->
                targets.forEach((c, t) -> {
                    Map<String, String> p = new HashMap<>(t);
                    p.putAll(snapshot(c));
                    p.put("artifactBytes", Long.toString(c.bytes == null ? 0 : c.bytes));
                    if (options.isPrune()) {
                        p.put(Parameters.PRUNE, "true");
                    }
                    planned.add(new PlannedStep(
                            c.store, c.storeKind, StepAction.INSPECT, c.database, c.artifact, c.sha256, PREFLIGHT, p));
                });
            case RESTORE, DRILL -> planRestore(type, run, source, sourceSteps, chosen, targets, options, planned);
            default -> throw new IllegalArgumentException("unknown run type " + type);
        }
        return planned;
    }

    /**
     * Whether wave 0 would only read the artifact twice: a restore of one PostgreSQL database, without a
     * stop-dependents hook, checks the SHA-256 of every byte itself and swaps its scratch database in only after that
     * check and the load succeeded, so a corrupted dump leaves the target as it was and nothing else is touched. Wave
     * 0 stays for several stores (none may be restored if another's artifact is corrupted), for drills (their
     * verification of the backup) and where a hook would stop the application first.
     */
    static boolean restoreChecksItself(RunType type, RunEntity run, List<StepEntity> chosen) {
        return type == RunType.RESTORE
                && chosen.size() == 1
                && chosen.get(0).storeKind == StoreKind.POSTGRES
                && (run.planSpec == null || run.planSpec.hook(PlanSpec.HOOK_STOP_DEPENDENTS) == null);
    }

    private static void planRestore(
            RunType type,
            RunEntity run,
            RunEntity source,
            List<StepEntity> sourceSteps,
            List<StepEntity> chosen,
            Map<StepEntity, Map<String, String>> targets,
            RestoreOptions options,
            List<PlannedStep> planned) {
        boolean drill = type == RunType.DRILL;
        if (!restoreChecksItself(type, run, chosen)) {
            for (StepEntity c : chosen) {
                planned.add(new PlannedStep(
                        c.store,
                        c.storeKind,
                        StepAction.VERIFY,
                        c.database,
                        c.artifact,
                        c.sha256,
                        PREFLIGHT,
                        snapshot(c)));
            }
        }
        Set<String> quiesced = new LinkedHashSet<>();
        for (StepEntity c : chosen) {
            if (c.storeKind == StoreKind.SEARCH && !drill && targets.get(c).isEmpty() && quiesced.add(c.store)) {
                planned.add(
                        new PlannedStep(c.store, c.storeKind, StepAction.QUIESCE, null, null, null, QUIESCE, Map.of()));
            }
        }
        Map<String, List<String>> referenceArtifacts = new HashMap<>();
        for (StepEntity c : chosen) {
            Map<String, String> p = new HashMap<>(targets.get(c));
            p.putAll(snapshot(c));
            int wave = switch (c.storeKind) {
                case POSTGRES -> SQL;
                case OBJECTSTORE -> OBJECTS;
                case SEARCH -> SEARCH;
            };
            if (c.storeKind == StoreKind.POSTGRES) {
                for (PlanSpec.Reference r : source.planSpec.referenceList()) {
                    String objects = r.objects();
                    boolean bothRestored = chosen.stream().anyMatch(o -> o.store.equals(objects));
                    if (bothRestored && c.store.equals(r.store()) && c.database.equals(r.database())) {
                        String artifact = BackupPlanner.artifactKey(run, c.store, c.database + ".refs.txt.gz");
                        p.put(Parameters.REFERENCE_QUERY, r.query());
                        p.put(Parameters.REFERENCE_ARTIFACT, artifact);
                        referenceArtifacts
                                .computeIfAbsent(objects, k -> new ArrayList<>())
                                .add(artifact);
                    }
                }
            }
            if (c.storeKind == StoreKind.OBJECTSTORE && options.isPrune() && !drill) {
                p.put(Parameters.PRUNE, "true");
            }
            if (c.storeKind == StoreKind.SEARCH) {
                // an in-place restore checks the copy it restored beside the live indices against these counts
                // before it replaces anything
                p.put(Parameters.DOCUMENT_COUNTS, c.evidence.getOrDefault("documentCounts", ""));
            }
            planned.add(new PlannedStep(
                    c.store, c.storeKind, StepAction.RESTORE, c.database, c.artifact, c.sha256, wave, p));
        }
        for (StepEntity c : chosen) {
            Map<String, String> p = new HashMap<>(targets.get(c));
            p.putAll(snapshot(c));
            Map<String, String> evidence = c.evidence;
            switch (c.storeKind) {
                case POSTGRES -> {
                    if (drill) {
                        if (evidence.get("censusArtifact") == null) {
                            throw new RestoreRejectedException(
                                    409,
                                    "Backup cannot be drilled",
                                    "the backup of "
                                            + c.store + "/" + c.database
                                            + " recorded no table census (it was taken by an older "
                                            + "agent); a drill has nothing to compare the restored database with");
                        }
                        p.put(Parameters.CENSUS_ARTIFACT, evidence.get("censusArtifact"));
                        p.put(Parameters.CENSUS_SHA256, evidence.get("censusSha256"));
                        planned.add(new PlannedStep(
                                c.store, c.storeKind, StepAction.CHECK, c.database, c.artifact, null, CHECK, p));
                    }
                }
                case OBJECTSTORE -> {
                    List<String> refs = referenceArtifacts.getOrDefault(c.store, List.of());
                    if (!refs.isEmpty()) {
                        p.put(Parameters.REFERENCE_ARTIFACTS, String.join(",", refs));
                    }
                    if (drill || !refs.isEmpty()) {
                        planned.add(new PlannedStep(
                                c.store, c.storeKind, StepAction.CHECK, null, c.artifact, c.sha256, CHECK, p));
                    }
                }
                case SEARCH -> {
                    if (drill) {
                        p.put(Parameters.DOCUMENT_COUNTS, evidence.getOrDefault("documentCounts", ""));
                        planned.add(new PlannedStep(
                                c.store, c.storeKind, StepAction.CHECK, null, c.artifact, null, CHECK, p));
                    }
                }
            }
        }
        for (String store : quiesced) {
            planned.add(
                    new PlannedStep(store, StoreKind.SEARCH, StepAction.RESUME, null, null, null, RELEASE, Map.of()));
        }
        if (drill) {
            for (StepEntity c : chosen) {
                Map<String, String> p = new HashMap<>(targets.get(c));
                if (c.storeKind == StoreKind.SEARCH) {
                    p.put(Parameters.DOCUMENT_COUNTS, c.evidence.getOrDefault("documentCounts", ""));
                }
                planned.add(new PlannedStep(c.store, c.storeKind, StepAction.DROP, c.database, null, null, RELEASE, p));
            }
        }
    }

    /** A re-verification step: exactly what the backup's own verification did. */
    private static PlannedStep verify(
            StepEntity c, RunEntity source, List<StepEntity> sourceSteps, Set<String> selected) {
        Map<String, String> p = new HashMap<>(snapshot(c));
        if (c.storeKind == StoreKind.OBJECTSTORE) {
            List<String> refs = new ArrayList<>();
            for (PlanSpec.Reference r : source.planSpec.referenceList()) {
                if (c.store.equals(r.objects()) && selected.contains(r.store())) {
                    sourceSteps.stream()
                            .filter(s -> s.action == StepAction.BACKUP
                                    && s.store.equals(r.store())
                                    && Objects.equals(r.database(), s.database))
                            .map(s -> s.evidence.get("referenceArtifact"))
                            .filter(a -> a != null)
                            .forEach(refs::add);
                }
            }
            if (!refs.isEmpty()) {
                p.put(Parameters.REFERENCE_ARTIFACTS, String.join(",", refs));
            }
        }
        return new PlannedStep(c.store, c.storeKind, StepAction.VERIFY, c.database, c.artifact, c.sha256, PREFLIGHT, p);
    }

    private static Map<String, String> snapshot(StepEntity c) {
        return c.storeKind == StoreKind.SEARCH ? Map.of(Parameters.SNAPSHOT, BackupPlanner.snapshotName(c)) : Map.of();
    }

    /** A readable line per planned step, in order: what a dry run says a restore would do. */
    public static List<String> describe(List<PlannedStep> planned) {
        List<String> lines = new ArrayList<>();
        planned.stream()
                .sorted(java.util.Comparator.comparingInt(PlannedStep::wave))
                .forEach(p -> {
                    String where = p.store() + (p.database() == null ? "" : "/" + p.database());
                    String into = p.parameters().containsKey(Parameters.TARGET_DATABASE)
                            ? " into database " + p.parameters().get(Parameters.TARGET_DATABASE)
                            : p.parameters().containsKey(Parameters.TARGET_PREFIX)
                                            || p.parameters().containsKey(Parameters.TARGET_BUCKET)
                                    ? " into " + p.parameters().getOrDefault(Parameters.TARGET_BUCKET, "its bucket")
                                            + "/" + p.parameters().getOrDefault(Parameters.TARGET_PREFIX, "")
                                    : p.parameters().containsKey(Parameters.RENAME_PATTERN)
                                            ? " renaming indices "
                                                    + p.parameters().get(Parameters.RENAME_PATTERN) + " -> "
                                                    + p.parameters().get(Parameters.RENAME_REPLACEMENT)
                                            : p.action() == StepAction.RESTORE ? " in place" : "";
                    lines.add(p.wave() + ": " + p.action().name().toLowerCase(java.util.Locale.ROOT) + " " + where
                            + into);
                });
        return lines;
    }
}
