package io.lockstep.coordinator.retention;

import io.lockstep.coordinator.catalog.PlanEntity;
import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.config.CoordinatorConfig;
import io.lockstep.coordinator.outbox.Outbox;
import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.coordinator.run.RunEvents;
import io.lockstep.coordinator.run.RunStateMachine;
import io.lockstep.protocol.EventTypes;
import io.lockstep.repository.BackupRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Applies each plan's retention and expires runs.
 * <ol>
 * <li><b>Decide</b> ({@link RetentionPolicy}): the runs to expire are marked {@code expiring_at} with the rule that
 * expired them, in one transaction.</li>
 * <li><b>Delete</b>: every repository object under {@code runs/<plan>/<runId>/} (dumps, reference keys, object
 * manifests; then run.json, then the run's status records, the newest of which says it expires), and each
 * Elasticsearch snapshot through its search agent (an {@code EXPIRE} step with the snapshot's name; a snapshot
 * already gone counts as deleted). A failed or timed-out deletion is retried on the next pass.</li>
 * <li><b>Expired</b>: once every deletion succeeded, {@code expired_at} is set and {@code io.lockstep.run.expired}
 * published. The run stays in the catalog as history.</li>
 * <li><b>Collect</b> ({@link BlobCollector}): blobs no remaining manifest names are deleted.</li>
 * </ol>
 * A pass runs every {@code retention-every} for every plan, and within {@code retention-check-every} for a plan whose
 * backup just ended. Of several coordinators on one catalog, the one holding the {@code retention} lease runs it.
 */
@ApplicationScoped
public class Retention {

    private static final Logger LOG = Logger.getLogger(Retention.class);
    private static final String LEASE = "retention";

    private final CoordinatorConfig config;
    private final Outbox outbox;
    private final RepositoryClient client;
    private final BlobCollector collector;
    private final Leases leases;
    private final RunStateMachine machine;
    private final RunStatusRecords statusRecords;

    Retention(
            CoordinatorConfig config,
            Outbox outbox,
            RepositoryClient client,
            BlobCollector collector,
            Leases leases,
            RunStateMachine machine,
            RunStatusRecords statusRecords) {
        this.config = config;
        this.statusRecords = statusRecords;
        this.outbox = outbox;
        this.client = client;
        this.collector = collector;
        this.leases = leases;
        this.machine = machine;
    }

    Clock clock = Clock.systemUTC();
    private volatile Instant lastPass = Instant.EPOCH;
    private volatile Instant lastFullPass = Instant.EPOCH;

    /** One run and what retention does with it. */
    public record RunDecision(
            UUID runId,
            String state,
            boolean pinned,
            String label,
            Instant consistencyPoint,
            Instant endedAt,
            String action,
            String reason) {}

    /** The outcome of evaluating (dry run) or applying a plan's retention. */
    public record Report(String plan, boolean dryRun, Instant at, RetentionRules rules, List<RunDecision> runs) {}

    /** What one pass did. */
    public record PassResult(List<Report> reports, int expired, BlobCollector.Result collection) {}

    // ---------------------------------------------------------------- decide

    /** What retention would do to the plan's ended runs now, and why; changes nothing. */
    public Report preview(String plan, Instant now) {
        return QuarkusTransaction.requiringNew().call(() -> decide(plan, now, true));
    }

    private Report decide(String planName, Instant now, boolean dryRun) {
        PlanEntity plan = PlanEntity.findById(planName);
        PlanSpec spec = plan.spec;
        RetentionRules rules = RetentionRules.parse(spec.retention());
        ZoneId zone = spec.timezone() == null ? ZoneOffset.UTC : ZoneId.of(spec.timezone());
        Duration failedAfter = rules.failedAfter() != null ? rules.failedAfter() : config.failedRetention();
        List<RunEntity> runs = RunEntity.<RunEntity>list(
                "plan = ?1 and type = ?2 and state in ?3 and expiringAt is null " + "order by createdAt desc",
                planName,
                RunType.BACKUP,
                List.of(RunState.CONSISTENT, RunState.FAILED, RunState.CANCELLED));
        List<RetentionPolicy.Candidate> candidates = runs.stream()
                .map(r -> new RetentionPolicy.Candidate(r.id, r.state, r.pinned, r.consistencyPoint, r.endedAt))
                .toList();
        Map<UUID, RetentionPolicy.Decision> decisions =
                RetentionPolicy.decide(candidates, rules, zone, now, failedAfter).stream()
                        .collect(Collectors.toMap(RetentionPolicy.Decision::runId, d -> d));
        List<RunDecision> out = new ArrayList<>();
        for (RunEntity run : runs) {
            RetentionPolicy.Decision d = decisions.get(run.id);
            // A restore, drill or re-verification still reading the backup keeps it until it ends.
            RunEntity user = d.keep()
                    ? null
                    : RunEntity.<RunEntity>find("sourceRunId = ?1 and state in ?2", run.id, RunState.ACTIVE)
                            .firstResult();
            String reason = user == null
                    ? d.reason()
                    : "kept: " + user.type.name().toLowerCase(java.util.Locale.ROOT) + " run " + user.id
                            + " is using it (" + d.reason() + ")";
            out.add(new RunDecision(
                    run.id,
                    run.state.name(),
                    run.pinned,
                    run.label,
                    run.consistencyPoint,
                    run.endedAt,
                    d.keep() || user != null ? "keep" : "expire",
                    reason));
        }
        return new Report(planName, dryRun, now, rules, out);
    }

    /** Marks the runs the plan's retention expires; their artifacts are deleted by {@link #advanceExpiries}. */
    Report mark(String plan, Instant now) {
        return QuarkusTransaction.requiringNew().call(() -> {
            if (PlanEntity.findById(plan) == null) {
                return new Report(plan, false, now, RetentionRules.NONE, List.of());
            }
            Report report = decide(plan, now, false);
            boolean repository = client.get().isPresent();
            for (RunDecision d : report.runs()) {
                if (!"expire".equals(d.action())) {
                    continue;
                }
                RunEntity run = RunEntity.findById(d.runId(), LockModeType.PESSIMISTIC_WRITE);
                // run.json is written after the run ends; expiring before that would let it reappear.
                if (run.expiringAt == null && (!repository || run.manifestWrittenAt != null)) {
                    run.expiringAt = now;
                    run.expiryReason = d.reason();
                    LOG.infof("run %s of plan %s expires: %s", run.id, plan, d.reason());
                }
            }
            return report;
        });
    }

    // ---------------------------------------------------------------- delete

    /**
     * Requests the expiry of one run through the API: refused (409) while it runs, and for a pinned run or the plan's
     * newest CONSISTENT run unless forced.
     */
    public RunEntity requestDelete(UUID id, boolean force, Instant now) {
        RunEntity run = RunEntity.findById(id, LockModeType.PESSIMISTIC_WRITE);
        if (run == null) {
            throw new RetentionException(404, "no run with id " + id);
        }
        if (!run.state.terminal()) {
            throw new RetentionException(
                    409, "run " + id + " is " + run.state + "; cancel it or wait for it to end, " + "then delete it");
        }
        if (run.expiringAt != null) {
            return run;
        }
        // A restore, drill or re-verification reading the backup keeps it until it ends, even with force.
        RunEntity reader = RunEntity.<RunEntity>find("sourceRunId = ?1 and state in ?2", run.id, RunState.ACTIVE)
                .firstResult();
        if (reader != null) {
            throw new RetentionException(
                    409,
                    "run " + id + " is being read by " + reader.type.name().toLowerCase(java.util.Locale.ROOT) + " run "
                            + reader.id + "; delete it once that run has ended");
        }
        if (run.pinned && !force) {
            throw new RetentionException(
                    409,
                    "run " + id + " is pinned; unpin it (PATCH {\"pinned\": false}) or "
                            + "delete it with ?force=true");
        }
        if (run.state == RunState.CONSISTENT && !force) {
            RunEntity newest = RunEntity.<RunEntity>find(
                            "plan = ?1 and type = ?2 and state = ?3 and expiringAt is null "
                                    + "order by consistencyPoint desc",
                            run.plan,
                            run.type,
                            RunState.CONSISTENT)
                    .firstResult();
            if (newest != null && newest.id.equals(run.id)) {
                throw new RetentionException(
                        409,
                        "run " + id + " is the newest CONSISTENT run of plan " + run.plan
                                + "; delete it with ?force=true if you really mean to");
            }
        }
        run.expiringAt = now;
        run.expiryReason = "deleted through the API" + (force ? " (forced)" : "");
        return run;
    }

    /** Pins or unpins a run; an expiring or expired run cannot be pinned. */
    public RunEntity pin(UUID id, boolean pinned) {
        RunEntity run = RunEntity.findById(id, LockModeType.PESSIMISTIC_WRITE);
        if (run == null) {
            throw new RetentionException(404, "no run with id " + id);
        }
        if (pinned && run.expiringAt != null) {
            throw new RetentionException(
                    409,
                    "run " + id + " is " + (run.expiredAt != null ? "expired" : "expiring") + " (" + run.expiryReason
                            + "); it can no longer be pinned");
        }
        run.pinned = pinned;
        return run;
    }

    /**
     * Deletes the artifacts of every expiring run and marks those whose deletions all succeeded expired.
     *
     * @return how many runs became expired
     */
    public int advanceExpiries(Instant now) {
        List<UUID> expiring = QuarkusTransaction.requiringNew()
                .call(() ->
                        RunEntity.<RunEntity>list("expiringAt is not null and expiredAt is null order by expiringAt")
                                .stream()
                                .map(r -> r.id)
                                .toList());
        int expired = 0;
        for (UUID id : expiring) {
            try {
                if (advance(id, now)) {
                    expired++;
                }
            } catch (RuntimeException e) {
                LOG.warnf("expiry of run %s not finished (will retry): %s", id, e.getMessage());
            }
        }
        return expired;
    }

    private boolean advance(UUID id, Instant now) {
        RunEntity expiring = QuarkusTransaction.requiringNew().call(() -> RunEntity.<RunEntity>findById(id));
        String plan = expiring.plan;
        if (client.get().isPresent()) {
            // A catalog rebuilt from the repository meanwhile then finds the run expiring, not CONSISTENT.
            statusRecords.writeExpiring(expiring);
            deleteRepositoryObjects(client.get().get(), "runs/" + plan + "/" + id + "/");
        }
        return QuarkusTransaction.requiringNew().call(() -> {
            RunEntity run = RunEntity.findById(id, LockModeType.PESSIMISTIC_WRITE);
            if (run.expiredAt != null) {
                return false;
            }
            if (!machine.expireSnapshots(run, now)) {
                return false;
            }
            run.expiredAt = now;
            outbox.runEvent(EventTypes.RUN_EXPIRED, RunEvents.of(run, null, now));
            LOG.infof("run %s of plan %s expired: every artifact deleted (%s)", run.id, run.plan, run.expiryReason);
            return true;
        });
    }

    /**
     * Deletes every object under a run's prefix: artifacts, then run.json, so a half-deleted run still describes
     * itself, then its status records, the newest of which says it expires.
     */
    private static void deleteRepositoryObjects(BackupRepository repository, String prefix) {
        List<String> keys = new ArrayList<>(repository.list(prefix).keySet());
        keys.sort(Comparator.comparing((String k) ->
                        k.startsWith(prefix + RunStatusRecords.DIRECTORY) ? 2 : k.endsWith("/run.json") ? 1 : 0)
                .thenComparing(k -> k));
        for (String key : keys) {
            repository.delete(key);
        }
    }

    // ---------------------------------------------------------------- passes

    @Scheduled(
            every = "${lockstep.coordinator.retention-check-every:15s}",
            delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (!config.retentionEnabled()) {
            return;
        }
        Instant now = clock.instant();
        boolean full = !now.isBefore(lastFullPass.plus(config.retentionEvery()));
        try {
            pass(now, full);
        } catch (RuntimeException e) {
            LOG.warnf("retention pass failed (will retry): %s", e.getMessage());
        }
    }

    /**
     * One retention pass: marks expiring runs of every plan ({@code full}) or of plans whose backup ended since the
     * last pass, deletes the artifacts of expiring runs, and collects blobs if a run expired (or on a full pass).
     * Returns null when another coordinator holds the retention lease.
     */
    public PassResult pass(Instant now, boolean full) {
        if (!leases.tryAcquire(LEASE, now, Duration.ofMinutes(30))) {
            LOG.debug("retention pass skipped: another coordinator holds the lease");
            return null;
        }
        try {
            Instant since = lastPass;
            List<String> plans = QuarkusTransaction.requiringNew()
                    .call(() -> full
                            ? PlanEntity.<PlanEntity>listAll().stream()
                                    .map(p -> p.name)
                                    .toList()
                            : RunEntity.<RunEntity>list(
                                            "endedAt >= ?1 or (manifestWrittenAt is not null and manifestWrittenAt >= ?1)",
                                            since)
                                    .stream()
                                    .map(r -> r.plan)
                                    .distinct()
                                    .toList());
            List<Report> reports = new ArrayList<>();
            for (String plan : plans) {
                try {
                    reports.add(mark(plan, now));
                } catch (RuntimeException e) {
                    LOG.warnf("retention of plan %s failed (will retry): %s", plan, e.getMessage());
                }
            }
            lastPass = now.minusSeconds(1);
            if (full) {
                lastFullPass = now;
            }
            int expired = advanceExpiries(now);
            BlobCollector.Result collection = expired > 0 || full ? collector.collect(now) : null;
            return new PassResult(reports, expired, collection);
        } finally {
            leases.release(LEASE);
        }
    }

    /**
     * Applies one plan's retention now (the API's {@code POST /plans/{name}/retention}): marks, deletes, and collects
     * blobs if a run expired. Empty when another coordinator holds the retention lease.
     */
    public java.util.Optional<PassResult> applyNow(String plan, Instant now) {
        if (!leases.tryAcquire(LEASE, now, Duration.ofMinutes(30))) {
            return java.util.Optional.empty();
        }
        try {
            Report report = mark(plan, now);
            int expired = advanceExpiries(now);
            return java.util.Optional.of(
                    new PassResult(List.of(report), expired, expired > 0 ? collector.collect(now) : null));
        } finally {
            leases.release(LEASE);
        }
    }

    /** A run that API callers cannot expire or pin as asked. */
    public static final class RetentionException extends RuntimeException {
        private final int status;

        RetentionException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
