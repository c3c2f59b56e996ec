package io.lockstep.coordinator.check;

import io.lockstep.coordinator.catalog.CheckEntity;
import io.lockstep.coordinator.catalog.Json;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.coordinator.check.CheckFindings.Problem;
import io.lockstep.coordinator.check.RepositoryCheck.Artifact;
import io.lockstep.coordinator.check.RepositoryCheck.RunArtifacts;
import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import io.lockstep.repository.BackupRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Repository checks as background jobs (issue 16): {@link #start} records a RUNNING check in the catalog and runs it on
 * a thread of its own (never an HTTP worker, never inside a transaction); its progress is written every
 * {@link #PROGRESS_EVERY}, its summary when it ends, and each backup it found damaged (or found whole again) gets its
 * {@code runs.damage} record. One check runs at a time across coordinators (a partial unique index); a RUNNING check
 * whose progress stopped for {@link #SILENT_AFTER} lost its coordinator and is marked FAILED by the next start or read.
 */
@ApplicationScoped
public class RepositoryChecks {

    private static final Logger LOG = Logger.getLogger(RepositoryChecks.class);
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(2);
    static final Duration SILENT_AFTER = Duration.ofMinutes(2);

    private final RepositoryClient client;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "lockstep-repository-check");
        t.setDaemon(true);
        return t;
    });

    RepositoryChecks(RepositoryClient client) {
        this.client = client;
    }

    /** Starts a check; 400 for a sample outside 1..100, 409 while one runs, 503 without a repository. */
    public CheckEntity start(boolean readData, Integer samplePercent, String requestedBy) {
        int sample = samplePercent == null ? 100 : samplePercent;
        if (sample < 1 || sample > 100) {
            throw new CheckRejectedException(400, "Bad sample", "sample must be a percentage from 1 to 100");
        }
        BackupRepository repository = client.get()
                .orElseThrow(() -> new CheckRejectedException(
                        503, "No repository", "no backup repository is configured (lockstep.repository.bucket)"));
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        CheckEntity check;
        try {
            check = QuarkusTransaction.requiringNew().call(() -> record(readData, sample, requestedBy, null, now));
        } catch (CheckRejectedException e) {
            throw e;
        } catch (RuntimeException e) {
            if (!String.valueOf(rootMessage(e)).contains("repository_checks_one_running")) {
                throw e;
            }
            // another coordinator started one between our look and our insert
            throw new CheckRejectedException(409, "Check running", "another repository check is running");
        }
        worker.execute(() -> run(check.id, check.readData, check.samplePercent, null, repository));
        return check;
    }

    /**
     * Records a RUNNING check of one plan's backups inside the caller's transaction (a scheduled check, {@code
     * schedule/CheckSchedules}), or returns null while another check runs; {@link #launch} runs it once committed.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public CheckEntity recordScheduled(String plan, boolean readData, int samplePercent) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS); // the check runs now, whatever slot it is for
        if (CheckEntity.count("state = ?1 and progressAt >= ?2", CheckEntity.RUNNING, now.minus(SILENT_AFTER)) > 0) {
            return null;
        }
        return record(readData, samplePercent, "schedule of plan " + plan, plan, now);
    }

    /** Runs a committed RUNNING check on this coordinator's worker; without a repository it fails at once. */
    public void launch(CheckEntity check) {
        BackupRepository repository = client.get().orElse(null);
        if (repository == null) {
            update(check.id, c -> {
                c.state = CheckEntity.FAILED;
                c.endedAt = Instant.now();
                c.error = "no backup repository is configured (lockstep.repository.bucket)";
            });
            return;
        }
        worker.execute(() -> run(check.id, check.readData, check.samplePercent, check.plan, repository));
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    private static CheckEntity record(boolean readData, int sample, String requestedBy, String plan, Instant now) {
        failSilent(now);
        CheckEntity running = CheckEntity.find("state", CheckEntity.RUNNING).firstResult();
        if (running != null) {
            throw new CheckRejectedException(
                    409, "Check running", "repository check " + running.id + " is still running");
        }
        CheckEntity c = new CheckEntity();
        c.id = UUID.randomUUID();
        c.state = CheckEntity.RUNNING;
        c.readData = readData;
        c.samplePercent = readData ? sample : 100;
        c.requestedBy = requestedBy;
        c.plan = plan;
        c.createdAt = now;
        c.progressAt = now;
        c.progress = new CheckFindings().progress();
        c.persist();
        return c;
    }

    public CheckEntity find(UUID id) {
        return QuarkusTransaction.requiringNew().call(() -> {
            failSilent(Instant.now());
            return CheckEntity.findById(id);
        });
    }

    public List<CheckEntity> recent(int limit) {
        return QuarkusTransaction.requiringNew().call(() -> {
            failSilent(Instant.now());
            return CheckEntity.<CheckEntity>find("order by createdAt desc")
                    .page(0, limit)
                    .list();
        });
    }

    /** A RUNNING check whose progress stopped for {@link #SILENT_AFTER} lost its coordinator: FAILED. */
    private static void failSilent(Instant now) {
        for (CheckEntity silent : CheckEntity.<CheckEntity>list(
                "state = ?1 and progressAt < ?2", CheckEntity.RUNNING, now.minus(SILENT_AFTER))) {
            silent.state = CheckEntity.FAILED;
            silent.endedAt = now;
            silent.error = "its coordinator stopped reporting progress (stopped or restarted)";
        }
    }

    private void run(UUID id, boolean readData, int sample, String plan, BackupRepository repository) {
        CheckFindings findings = new CheckFindings();
        Instant[] lastReport = {Instant.now()};
        Runnable progress = () -> {
            if (Duration.between(lastReport[0], Instant.now()).compareTo(PROGRESS_EVERY) >= 0) {
                lastReport[0] = Instant.now();
                update(id, c -> c.progress = findings.progress());
            }
        };
        try {
            List<RunArtifacts> runs = QuarkusTransaction.requiringNew().call(() -> backups(plan));
            new RepositoryCheck(
                            repository,
                            new RepositoryCheck.Options(readData, sample, id.toString(), plan),
                            findings,
                            progress,
                            1000)
                    .run(runs);
            markRuns(id, runs, findings, readData, sample);
            update(id, c -> {
                c.state = CheckEntity.DONE;
                c.endedAt = Instant.now();
                c.progress = findings.progress();
                c.summary = findings.summary();
            });
            LOG.infof(
                    "repository check %s: %d problems, affected runs %s",
                    id, findings.problems(), findings.byRun().keySet());
        } catch (RuntimeException e) {
            LOG.warnf(e, "repository check %s failed", id);
            update(id, c -> {
                c.state = CheckEntity.FAILED;
                c.endedAt = Instant.now();
                c.progress = findings.progress();
                c.summary = findings.summary();
                c.error = String.valueOf(e.getMessage());
            });
        }
    }

    private static void update(UUID id, java.util.function.Consumer<CheckEntity> change) {
        QuarkusTransaction.requiringNew().run(() -> {
            CheckEntity c = CheckEntity.findById(id);
            change.accept(c);
            c.progressAt = Instant.now();
        });
    }

    /** Ended backups not being expired (of one plan, or all when null), with what their captures recorded. */
    static List<RunArtifacts> backups(String plan) {
        String ended = "type = ?1 and endedAt is not null and expiringAt is null and expiredAt is null";
        List<RunEntity> runs = plan == null
                ? RunEntity.list(ended + " order by createdAt", RunType.BACKUP)
                : RunEntity.list(ended + " and plan = ?2 order by createdAt", RunType.BACKUP, plan);
        Map<UUID, List<Artifact>> artifacts = new LinkedHashMap<>();
        for (RunEntity r : runs) {
            List<Artifact> of = new ArrayList<>();
            if (r.manifestWrittenAt != null) {
                of.add(new Artifact("runs/" + r.plan + "/" + r.id + "/run.json", null, null, false));
            }
            artifacts.put(r.id, of);
        }
        List<StepEntity> captures = StepEntity.getEntityManager()
                .createQuery(
                        "select s from StepEntity s, RunEntity r where s.runId = r.id and r.type = :backup "
                                + "and r.endedAt is not null and r.expiringAt is null and r.expiredAt is null "
                                + "and s.action = :action and s.state = :succeeded order by s.seq",
                        StepEntity.class)
                .setParameter("backup", RunType.BACKUP)
                .setParameter("action", StepAction.BACKUP)
                .setParameter("succeeded", StepState.SUCCEEDED)
                .getResultList();
        for (StepEntity s : captures) {
            List<Artifact> of = artifacts.get(s.runId); // null: a run of another plan
            if (of == null || s.artifact == null) {
                continue;
            }
            if (s.storeKind == StoreKind.SEARCH) {
                String uuid = s.evidence.get(EvidenceKeys.SNAPSHOT_UUID);
                if (uuid != null) {
                    of.add(new Artifact(s.artifact + "snap-" + uuid + ".dat", null, null, true));
                }
                continue;
            }
            of.add(new Artifact(s.artifact, s.bytes, s.sha256, false));
            String census = s.evidence.get(EvidenceKeys.CENSUS_ARTIFACT);
            if (census != null) {
                of.add(new Artifact(census, null, s.evidence.get(EvidenceKeys.CENSUS_SHA256), false));
            }
            String references = s.evidence.get(EvidenceKeys.REFERENCE_ARTIFACT);
            if (references != null) {
                of.add(new Artifact(references, null, null, false));
            }
        }
        return runs.stream()
                .map(r -> new RunArtifacts(r.id, "runs/" + r.plan + "/" + r.id + "/", artifacts.get(r.id)))
                .toList();
    }

    /** Writes each checked run's damage record: set where problems were found, cleared where the check allows. */
    private static void markRuns(
            UUID checkId, List<RunArtifacts> runs, CheckFindings findings, boolean readData, int sample) {
        Map<String, List<Problem>> byRun = findings.byRun();
        Instant at = Instant.now();
        QuarkusTransaction.requiringNew().run(() -> {
            Map<UUID, Map<String, Object>> previous = new LinkedHashMap<>();
            for (RunEntity r : RunEntity.<RunEntity>list("damage is not null")) {
                previous.put(r.id, r.damage);
            }
            for (RunArtifacts run : runs) {
                List<Problem> found = byRun.getOrDefault(run.run().toString(), List.of());
                Map<String, Object> before = previous.get(run.run());
                if (before == null && found.isEmpty()) {
                    continue;
                }
                Map<String, Object> damage = RunDamage.after(before, found, readData, sample, checkId, at);
                // a plain update: the run's version is the state machine's, and a check changes no state
                var update = damage == null
                        ? RunEntity.getEntityManager().createNativeQuery("update runs set damage = null where id = ?1")
                        : RunEntity.getEntityManager()
                                .createNativeQuery("update runs set damage = ?2 where id = ?1")
                                .setParameter(2, Json.write(damage));
                update.setParameter(1, run.run()).executeUpdate();
            }
        });
    }

    void shutdown(@Observes ShutdownEvent event) {
        worker.shutdownNow();
    }
}
