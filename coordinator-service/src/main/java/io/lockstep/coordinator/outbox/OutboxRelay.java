package io.lockstep.coordinator.outbox;

import io.lockstep.coordinator.catalog.OutboxMessage;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.hibernate.jpa.SpecHints;
import org.jboss.logging.Logger;

/**
 * Relays the outbox to Kafka, keeping the order of each record key (a command's store, a run event's run, a plan
 * event's plan: one partition each), also when several coordinators share one catalog:
 * <ul>
 *   <li>rows are locked with {@code SKIP LOCKED} in id order, so relays never send the same row at once;
 *   <li>a row is sent only if no older row of its topic and key is still in the outbox: one locked by another relay (or
 *       sending, or failed and waiting to be retried) holds back every later row of that key, so a CANCEL never
 *       overtakes its BACKUP and a RESUME never its QUIESCE;
 *   <li>within a batch the rows of one key are sent one after the other, each after the broker acknowledged the one
 *       before; the first failure stops that key;
 *   <li>exactly the acknowledged rows are deleted, in the same transaction, even when another send failed or timed out:
 *       a partial failure re-sends nothing that was already delivered. The producer gives up on a record
 *       ({@code delivery.timeout.ms}, 20 s) before the relay stops waiting (30 s), so a record the relay counts as
 *       unsent is not delivered later behind the rows that follow it.
 * </ul>
 * A crash between the broker's ack and the commit re-sends a row (at least once; the agents and the notifier
 * de-duplicate by step and event id). It wakes at once after a commit that wrote to the outbox, and polls every
 * second otherwise.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    static final int BATCH = 100;
    private static final long ACK_TIMEOUT_SECONDS = 30;

    private final Emitter<String> emitter;
    private final EntityManager em;

    OutboxRelay(@Channel("outbox") Emitter<String> emitter, EntityManager em) {
        this.emitter = emitter;
        this.em = em;
    }

    private final Semaphore signal = new Semaphore(0);
    private volatile boolean running;
    private Thread thread;

    void start(@Observes StartupEvent event) {
        running = true;
        thread = new Thread(this::loop, "outbox-relay");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** Asks the relay to look at the outbox now. */
    public void wake() {
        signal.release();
    }

    private void loop() {
        long backoffMillis = 0;
        while (running) {
            try {
                if (backoffMillis > 0) {
                    Thread.sleep(backoffMillis); // Kafka or the catalog is down: retry with backoff
                }
                Batch batch = relayBatch();
                if (batch.failure() != null) {
                    throw new IllegalStateException(batch.failure());
                }
                backoffMillis = 0;
                if (batch.locked() < BATCH || batch.sent() == 0) { // drained, or all held back behind others
                    signal.tryAcquire(1, TimeUnit.SECONDS);
                    signal.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                backoffMillis = Math.min(10_000, Math.max(200, backoffMillis * 2));
                LOG.warnf("outbox relay failed, retrying in %d ms: %s", backoffMillis, e.getMessage());
            }
        }
    }

    /**
     * What one round did: rows locked, rows sent (acknowledged and deleted), rows held back behind an older row of
     * their key, and the first send failure (null if none).
     */
    record Batch(int locked, int sent, int heldBack, String failure) {}

    /** Sends one batch in one transaction. */
    Batch relayBatch() {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<OutboxMessage> rows = em.createQuery("from OutboxMessage order by id", OutboxMessage.class)
                    .setLockMode(LockModeType.PESSIMISTIC_WRITE)
                    .setHint(SpecHints.HINT_SPEC_LOCK_TIMEOUT, -2) // SKIP LOCKED
                    .setMaxResults(BATCH)
                    .getResultList();
            if (rows.isEmpty()) {
                return new Batch(0, 0, 0, null);
            }
            Map<List<String>, List<OutboxMessage>> byKey = new LinkedHashMap<>();
            for (OutboxMessage row : rows) {
                byKey.computeIfAbsent(orderKey(row), k -> new ArrayList<>()).add(row);
            }
            int heldBack = 0;
            for (Map.Entry<List<String>, Long> older : olderOutside(rows).entrySet()) {
                List<OutboxMessage> keyRows = byKey.get(older.getKey());
                if (keyRows != null) {
                    int before = keyRows.size();
                    keyRows.removeIf(r -> r.id > older.getValue());
                    heldBack += before - keyRows.size();
                }
            }
            List<CompletableFuture<Void>> chains = new ArrayList<>();
            List<OutboxMessage> acked = java.util.Collections.synchronizedList(new ArrayList<>());
            String[] failure = new String[1];
            for (List<OutboxMessage> keyRows : byKey.values()) {
                CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
                for (OutboxMessage row : keyRows) {
                    chain = chain.thenCompose(ignored -> send(row)).thenRun(() -> acked.add(row));
                }
                chains.add(chain.exceptionally(e -> {
                    synchronized (failure) {
                        if (failure[0] == null) {
                            failure[0] = e.getMessage() != null ? e.getMessage() : e.toString();
                        }
                    }
                    return null;
                }));
            }
            try {
                CompletableFuture.allOf(chains.toArray(CompletableFuture[]::new))
                        .get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                synchronized (failure) {
                    failure[0] = "no acknowledgement from Kafka within " + ACK_TIMEOUT_SECONDS + " s";
                }
            }
            List<OutboxMessage> done;
            synchronized (acked) {
                done = List.copyOf(acked);
            }
            for (OutboxMessage row : done) {
                em.remove(row);
            }
            synchronized (failure) {
                return new Batch(rows.size(), done.size(), heldBack, failure[0]);
            }
        });
    }

    /** Rows of one topic and key keep their order; a row without a key has no order to keep. */
    private static List<String> orderKey(OutboxMessage row) {
        return Arrays.asList(row.topic, row.key == null ? "\u0000" + row.id : row.key);
    }

    /**
     * Per topic and key of the batch, the oldest row still in the outbox outside this batch (another relay has it
     * locked: sending it, or about to retry it). Only the batch's rows of that key older than it may be sent now; the
     * relay holding the oldest row of a key always makes progress. Rows committed in another order than their ids are
     * not seen here; the commands and events of one run are written under its row lock, so theirs are not.
     */
    private Map<List<String>, Long> olderOutside(List<OutboxMessage> rows) {
        List<Long> ids = rows.stream().map(r -> r.id).toList();
        List<String> keys =
                rows.stream().map(r -> r.key).filter(k -> k != null).distinct().toList();
        if (keys.isEmpty()) {
            return Map.of();
        }
        List<Object[]> older = em.createQuery(
                        "select o.topic, o.key, min(o.id) from OutboxMessage o where o.id < :newest"
                                + " and o.id not in :ids and o.key in :keys group by o.topic, o.key",
                        Object[].class)
                .setParameter("newest", ids.get(ids.size() - 1))
                .setParameter("ids", ids)
                .setParameter("keys", keys)
                .getResultList();
        Map<List<String>, Long> oldest = new LinkedHashMap<>();
        for (Object[] o : older) {
            oldest.put(Arrays.asList((String) o[0], (String) o[1]), (Long) o[2]);
        }
        return oldest;
    }

    private CompletableFuture<Void> send(OutboxMessage row) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        var metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(row.topic)
                .withKey(row.key)
                .build();
        emitter.send(Message.of(
                row.payload,
                Metadata.of(metadata),
                () -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                },
                failure -> {
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        return acked;
    }
}
