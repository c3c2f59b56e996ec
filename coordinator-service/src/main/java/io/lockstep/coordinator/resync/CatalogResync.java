package io.lockstep.coordinator.resync;

import io.lockstep.coordinator.catalog.PlanEntity;
import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.plan.InvalidPlanException;
import io.lockstep.coordinator.plan.PlanService;
import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.coordinator.retention.Leases;
import io.lockstep.coordinator.retention.RunStatusRecords;
import io.lockstep.coordinator.schedule.PlanSchedules;
import io.lockstep.repository.BackupRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * Rebuilds plans, runs and steps from the repository alone ({@code POST /repository/resync}): every
 * {@code runs/<plan>/<run>/run.json}, with the run's newest status record over it, becomes the run and its steps
 * unless the catalog has the run already; each plan not in the catalog is created from the newest plan spec its
 * runs recorded (hooks without their credentials). It merges and never overwrites: a run or plan the catalog has is
 * left as it is and counted as already present, so a second resync adds nothing. Agents and stores come back with
 * their heartbeats. What it cannot read is listed and left out of the catalog, so retention never touches it and its
 * blobs stay reachable (blob collection reads every object manifest in the repository, not the catalog).
 */
@ApplicationScoped
public class CatalogResync {

    private static final Logger LOG = Logger.getLogger(CatalogResync.class);
    private static final String LEASE = "catalog-resync";
    /** At most this many run prefixes without run.json are named in a report (all are counted). */
    static final int SAMPLE = 50;

    private final RepositoryClient client;
    private final Leases leases;
    private final PlanSchedules schedules;

    CatalogResync(RepositoryClient client, Leases leases, PlanSchedules schedules) {
        this.client = client;
        this.leases = leases;
        this.schedules = schedules;
    }

    /** A key that could not be read, and why. */
    public record Unreadable(String key, String reason) {}

    /**
     * What a resync found and did.
     *
     * @param catalogWasEmpty whether the catalog had no plan and no run before
     * @param runsFound run.json files read, by state: {@code runsByState}, and by plan: {@code runsByPlan}
     * @param runsAlreadyPresent runs the catalog had (left as they were)
     * @param statusRecords runs whose newest status record was applied over their run.json
     * @param withoutManifest run prefixes holding artifacts but no run.json (a run that had not ended or whose
     *     run.json was not written when the catalog was lost): not rebuilt; named up to {@value #SAMPLE}
     * @param sourceRunsMissing restores, drills and re-verifications rebuilt without the link to their backup, which
     *     is not in the catalog (it expired, or could not be read)
     */
    public record Report(
            Instant startedAt,
            Instant endedAt,
            boolean catalogWasEmpty,
            int runsFound,
            int runsCreated,
            int runsAlreadyPresent,
            Map<String, Integer> runsByState,
            Map<String, Integer> runsByPlan,
            int stepsCreated,
            int statusRecords,
            List<String> plansCreated,
            List<String> plansAlreadyPresent,
            List<Unreadable> unreadable,
            int withoutManifest,
            List<String> withoutManifestSample,
            int sourceRunsMissing) {}

    /** Thrown when no repository is configured or another resync runs. */
    public static final class ResyncRejectedException extends RuntimeException {
        public ResyncRejectedException(String message) {
            super(message);
        }
    }

    /** Rebuilds from every run in the repository, or (with {@code plan}) from that plan's runs only. */
    public Report resync(String plan) {
        BackupRepository repository = client.get()
                .orElseThrow(() -> new ResyncRejectedException(
                        "no backup repository is configured (lockstep.repository.bucket): nothing to rebuild from"));
        if (plan != null) {
            PlanService.checkName(plan);
        }
        Instant started = Instant.now();
        if (!leases.tryAcquire(LEASE, started, Duration.ofHours(1))) {
            throw new ResyncRejectedException("a catalog resync is running already; try again once it ended");
        }
        try {
            return run(repository, plan == null ? "runs/" : "runs/" + plan + "/", started);
        } finally {
            leases.release(LEASE);
        }
    }

    private Report run(BackupRepository repository, String under, Instant started) {
        boolean empty = QuarkusTransaction.requiringNew().call(() -> PlanEntity.count() == 0 && RunEntity.count() == 0);
        Map<String, RunKeys> prefixes = new TreeMap<>();
        for (Iterator<String> keys = repository.keys(under); keys.hasNext(); ) {
            String key = keys.next();
            String[] parts = key.split("/", 4);
            if (parts.length < 4) {
                continue;
            }
            RunKeys run =
                    prefixes.computeIfAbsent(parts[0] + "/" + parts[1] + "/" + parts[2] + "/", p -> new RunKeys());
            if (parts[3].equals("run.json")) {
                run.manifest = key;
            } else if (RunStatusRecords.isRecord(parts[3])) {
                run.newestStatus =
                        run.newestStatus == null || key.compareTo(run.newestStatus) > 0 ? key : run.newestStatus;
            }
        }
        Tally tally = new Tally();
        Map<String, RunManifestReader.Rebuilt> newestPlanSpecs = new TreeMap<>();
        List<Found> found = new ArrayList<>();
        for (Map.Entry<String, RunKeys> e : prefixes.entrySet()) {
            RunKeys keys = e.getValue();
            if (keys.manifest == null) {
                tally.withoutManifest++;
                if (tally.withoutManifestSample.size() < SAMPLE) {
                    tally.withoutManifestSample.add(e.getKey());
                }
                continue;
            }
            RunManifestReader.Rebuilt rebuilt = read(repository, keys, tally);
            if (rebuilt == null) {
                continue;
            }
            RunManifestReader.Rebuilt newest = newestPlanSpecs.get(rebuilt.run().plan);
            if (newest == null || rebuilt.run().createdAt.isAfter(newest.run().createdAt)) {
                newestPlanSpecs.put(rebuilt.run().plan, rebuilt);
            }
            tally.runsFound++;
            tally.runsByState.merge(rebuilt.run().state.name(), 1, Integer::sum);
            tally.runsByPlan.merge(rebuilt.run().plan, 1, Integer::sum);
            found.add(new Found(rebuilt, keys.version));
        }
        // Oldest first: a restore, drill or re-verification comes after the backup it used (runs.source_run_id).
        found.sort(java.util.Comparator.comparing((Found f) -> f.rebuilt().run().createdAt));
        for (Found f : found) {
            boolean created = QuarkusTransaction.requiringNew().call(() -> insert(f.rebuilt(), f.version(), tally));
            if (created) {
                tally.runsCreated++;
                tally.stepsCreated += f.rebuilt().steps().size();
            } else {
                tally.runsAlreadyPresent++;
            }
        }
        List<String> plansCreated = new ArrayList<>();
        List<String> plansPresent = new ArrayList<>();
        for (RunManifestReader.Rebuilt newest : newestPlanSpecs.values()) {
            String name = newest.run().plan;
            boolean created = QuarkusTransaction.requiringNew().call(() -> createPlan(name, newest));
            (created ? plansCreated : plansPresent).add(name);
        }
        Report report = new Report(
                started,
                Instant.now(),
                empty,
                tally.runsFound,
                tally.runsCreated,
                tally.runsAlreadyPresent,
                tally.runsByState,
                tally.runsByPlan,
                tally.stepsCreated,
                tally.statusRecords,
                plansCreated,
                plansPresent,
                tally.unreadable,
                tally.withoutManifest,
                tally.withoutManifestSample,
                tally.sourcesMissing);
        LOG.infof(
                "catalog resync: %d runs found (%d created, %d already present), %d plans created, %d unreadable, "
                        + "%d run prefixes without run.json",
                report.runsFound(),
                report.runsCreated(),
                report.runsAlreadyPresent(),
                plansCreated.size(),
                report.unreadable().size(),
                report.withoutManifest());
        return report;
    }

    /** The run and its newest status record; null (and listed) when either cannot be read. */
    private static RunManifestReader.Rebuilt read(BackupRepository repository, RunKeys keys, Tally tally) {
        String reading = keys.manifest;
        try {
            RunManifestReader.Rebuilt rebuilt = RunManifestReader.read(bytes(repository, keys.manifest));
            PlanService.checkName(rebuilt.run().plan);
            if (!keys.manifest.equals("runs/" + rebuilt.run().plan + "/" + rebuilt.run().id + "/run.json")) {
                throw new IOException("it describes run " + rebuilt.run().id + " of plan " + rebuilt.run().plan);
            }
            if (keys.newestStatus != null) {
                // Unreadable pins or expiry would let retention decide wrongly: the whole run is left out then.
                reading = keys.newestStatus;
                RunStatusRecords.Status status = RunManifestReader.status(bytes(repository, keys.newestStatus));
                if (!status.run().equals(rebuilt.run().id)) {
                    throw new IOException("it is the status of run " + status.run());
                }
                status.applyTo(rebuilt.run());
                keys.version = status.version();
                tally.statusRecords++;
            }
            return rebuilt;
        } catch (IOException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            tally.unreadable.add(new Unreadable(reading, reason));
            LOG.warnf("catalog resync: cannot read %s: %s", reading, reason);
            return null;
        }
    }

    private static byte[] bytes(BackupRepository repository, String key) throws IOException {
        try (InputStream in = repository.open(key)) {
            return in.readNBytes(16 * 1024 * 1024);
        }
    }

    /**
     * Inserts the run and its steps unless the catalog has the run; whether it did. The run takes the version of its
     * newest status record, so the records its later changes write sort after it.
     */
    private static boolean insert(RunManifestReader.Rebuilt rebuilt, long version, Tally tally) {
        RunEntity run = rebuilt.run();
        if (RunEntity.findById(run.id) != null) {
            return false;
        }
        if (run.sourceRunId != null && RunEntity.findById(run.sourceRunId) == null) {
            // The backup it used expired (or could not be read): the link cannot be kept in the catalog.
            tally.sourcesMissing++;
            run.sourceRunId = null;
        }
        // Written already: run.json and status records are not written again for what the repository holds.
        run.manifestWrittenAt = Instant.now();
        run.statusVersion = 0L;
        run.persist();
        rebuilt.steps().forEach(s -> s.persist());
        RunEntity.flush();
        RunEntity.getEntityManager()
                .createNativeQuery("update runs set version = :version, status_version = :version where id = :id")
                .setParameter("version", version)
                .setParameter("id", run.id)
                .executeUpdate();
        return true;
    }

    private boolean createPlan(String name, RunManifestReader.Rebuilt newest) {
        if (PlanEntity.findById(name) != null) {
            return false;
        }
        PlanSpec spec = newest.plan();
        PlanEntity plan = new PlanEntity();
        plan.name = name;
        plan.spec = spec;
        plan.createdAt = Instant.now();
        plan.updatedAt = plan.createdAt;
        plan.persist();
        try {
            schedules.planChanged(name, spec);
        } catch (InvalidPlanException | IllegalArgumentException e) {
            LOG.warnf("catalog resync: plan %s has no schedule: %s", name, e.getMessage());
        }
        return true;
    }

    /** A run read back, with the version of its newest status record (0 without one). */
    private record Found(RunManifestReader.Rebuilt rebuilt, long version) {}

    /** A run prefix's run.json and newest status record. */
    private static final class RunKeys {
        String manifest;
        String newestStatus;
        long version;
    }

    private static final class Tally {
        int runsFound;
        int runsCreated;
        int runsAlreadyPresent;
        int stepsCreated;
        int statusRecords;
        int withoutManifest;
        int sourcesMissing;
        final Map<String, Integer> runsByState = new TreeMap<>();
        final Map<String, Integer> runsByPlan = new TreeMap<>();
        final List<Unreadable> unreadable = new ArrayList<>();
        final List<String> withoutManifestSample = new ArrayList<>();
    }
}
