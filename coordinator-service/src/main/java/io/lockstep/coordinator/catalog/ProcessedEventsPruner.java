package io.lockstep.coordinator.catalog;

import io.lockstep.coordinator.config.CoordinatorConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Clock;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Bounds {@code processed_events}: rows older than {@code lockstep.coordinator.processed-events-retention} (7 days by
 * default) are deleted periodically, a batch per transaction, so the table does not grow with every event ever
 * handled. Several coordinators may prune at once: a delete is idempotent.
 */
@ApplicationScoped
public class ProcessedEventsPruner {

    private static final Logger LOG = Logger.getLogger(ProcessedEventsPruner.class);

    static final int BATCH = 5_000;

    private final CoordinatorConfig config;
    private final EntityManager em;
    private final Clock clock = Clock.systemUTC();

    public ProcessedEventsPruner(CoordinatorConfig config, EntityManager em) {
        this.config = config;
        this.em = em;
    }

    @Scheduled(
            every = "${lockstep.coordinator.processed-events-prune-every:1h}",
            delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        prune(clock.instant().minus(config.processedEventsRetention()));
    }

    /** Deletes every row handled before {@code cutoff}, in batches; returns how many. */
    public long prune(Instant cutoff) {
        long total = 0;
        int deleted;
        do {
            deleted = QuarkusTransaction.requiringNew()
                    .call(() -> em.createNativeQuery("DELETE FROM processed_events WHERE event_id IN (SELECT event_id"
                                    + " FROM processed_events WHERE processed_at < ?1 LIMIT ?2)")
                            .setParameter(1, cutoff)
                            .setParameter(2, BATCH)
                            .executeUpdate());
            total += deleted;
        } while (deleted == BATCH);
        if (total > 0) {
            LOG.infof("pruned %d processed event ids handled before %s", total, cutoff);
        }
        return total;
    }
}
