package io.lockstep.coordinator.retention;

import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.coordinator.config.CoordinatorConfig;
import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import io.lockstep.protocol.WalNames;
import io.lockstep.repository.BackupRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Keeps the WAL archives of PostgreSQL stores with point-in-time recovery to what the kept base backups need: for each
 * store, WAL files before the segment of the oldest kept base backup's start ({@code baseBackupStartLsn} of a run that
 * retention has not marked expiring) are deleted, record first, then data; timeline history files never, and nothing
 * for a store without a kept base backup (there is then no way to tell what a future recovery needs). Runs every
 * {@code retention-every} under the {@code wal-retention} lease.
 */
@ApplicationScoped
public class WalRetention {

    private static final Logger LOG = Logger.getLogger(WalRetention.class);
    private static final String LEASE = "wal-retention";

    private final CoordinatorConfig config;
    private final RepositoryClient client;
    private final Leases leases;

    WalRetention(CoordinatorConfig config, RepositoryClient client, Leases leases) {
        this.config = config;
        this.client = client;
        this.leases = leases;
    }

    @Scheduled(
            every = "${lockstep.coordinator.retention-every:1h}",
            delayed = "60s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (!config.retentionEnabled()) {
            return;
        }
        try {
            prune(Instant.now());
        } catch (RuntimeException e) {
            LOG.warnf("WAL retention failed (will retry): %s", e.getMessage());
        }
    }

    /** Deletes the WAL no kept base backup needs; returns the keys deleted, or an empty list without a lease. */
    public List<String> prune(Instant now) {
        Optional<BackupRepository> repository = client.get();
        if (repository.isEmpty() || !leases.tryAcquire(LEASE, now, Duration.ofMinutes(30))) {
            return List.of();
        }
        try {
            List<String> deleted = new ArrayList<>();
            for (Map.Entry<String, String> oldest : oldestKeptStarts().entrySet()) {
                String store = oldest.getKey();
                for (String key :
                        deletable(repository.get().list(WalNames.prefix(store)).keySet(), store, oldest.getValue())) {
                    repository.get().delete(key);
                    deleted.add(key);
                }
            }
            if (!deleted.isEmpty()) {
                LOG.infof("WAL retention deleted %d files no kept base backup needs", deleted.size());
            }
            return deleted;
        } finally {
            leases.release(LEASE);
        }
    }

    /** Per store, the segment position of the oldest start of a base backup in a run not marked expiring. */
    static Map<String, String> oldestKeptStarts() {
        List<StepEntity> steps = QuarkusTransaction.requiringNew()
                .call(() -> StepEntity.<StepEntity>list(
                        "action = ?1 and state = ?2 and storeKind = ?3 and runId in"
                                + " (select r.id from RunEntity r where r.expiringAt is null)",
                        StepAction.BACKUP,
                        StepState.SUCCEEDED,
                        StoreKind.POSTGRES));
        return oldestStarts(steps);
    }

    static Map<String, String> oldestStarts(Collection<StepEntity> steps) {
        Map<String, String> oldest = new HashMap<>();
        for (StepEntity s : steps) {
            String lsn = s.evidence == null ? null : s.evidence.get(EvidenceKeys.BASE_BACKUP_START_LSN);
            if (lsn != null) {
                oldest.merge(s.store, WalNames.segmentPosition(lsn), (a, b) -> a.compareTo(b) <= 0 ? a : b);
            }
        }
        return oldest;
    }

    /**
     * The keys of {@code store}'s archive before segment position {@code oldest}: each file's record
     * ({@code .sha256}) before its data, so a file is never recorded without its data.
     */
    static List<String> deletable(Collection<String> keys, String store, String oldest) {
        String prefix = WalNames.prefix(store);
        List<String> records = new ArrayList<>();
        List<String> data = new ArrayList<>();
        for (String key : keys) {
            if (!key.startsWith(prefix)) {
                continue;
            }
            String file = key.substring(prefix.length());
            boolean record = file.endsWith(".sha256");
            String name = file.replaceFirst("\\.(sha256|zst)$", "");
            if (name.equals(file)) {
                continue; // not an archived file
            }
            Optional<String> position = WalNames.position(name);
            if (position.isPresent() && position.get().compareTo(oldest) < 0) {
                (record ? records : data).add(key);
            }
        }
        records.sort(null);
        data.sort(null);
        records.addAll(data);
        return records;
    }
}
