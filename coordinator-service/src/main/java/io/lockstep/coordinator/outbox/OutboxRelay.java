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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.hibernate.jpa.SpecHints;
import org.jboss.logging.Logger;

/**
 * Relays the outbox to Kafka in order. Rows are locked with {@code SKIP LOCKED}, so several coordinators can
 * share one catalog; a row is deleted only after Kafka acknowledged it, so a crash re-sends rather than loses
 * (consumers are idempotent on the event id). It wakes at once after a commit that wrote to the outbox, and
 * polls every second otherwise.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final int BATCH = 100;
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
                int sent = relayBatch();
                backoffMillis = 0;
                if (sent < BATCH) {
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

    /** Sends one batch in one transaction; returns how many records were sent. */
    int relayBatch() {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<OutboxMessage> batch = em.createQuery("from OutboxMessage order by id", OutboxMessage.class)
                    .setLockMode(LockModeType.PESSIMISTIC_WRITE)
                    .setHint(SpecHints.HINT_SPEC_LOCK_TIMEOUT, -2) // SKIP LOCKED
                    .setMaxResults(BATCH)
                    .getResultList();
            if (batch.isEmpty()) {
                return 0;
            }
            List<CompletableFuture<Void>> acks = new ArrayList<>(batch.size());
            for (OutboxMessage message : batch) {
                acks.add(send(message));
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            for (OutboxMessage message : batch) {
                em.remove(message);
            }
            return batch.size();
        });
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
