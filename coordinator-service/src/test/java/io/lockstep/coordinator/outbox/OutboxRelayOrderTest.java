package io.lockstep.coordinator.outbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.catalog.OutboxMessage;
import io.lockstep.coordinator.support.InMemoryMessaging;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySink;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

/**
 * Several coordinators relaying one outbox at once keep the order of every key: three more relays (each as a
 * coordinator's relay would be: its own thread and transactions, the real catalog's row locks) race the application's
 * own relay over rows written concurrently, through a broker stand-in that is slow and refuses about one send in
 * twelve (refused sends are not delivered). Every record must arrive, each exactly once, and in id order per key: a
 * later record (a CANCEL, a RESUME) never overtakes an earlier one of its key (its BACKUP, its QUIESCE), and a partial
 * failure re-sends nothing that was delivered.
 */
@QuarkusTest
@QuarkusTestResource(InMemoryMessaging.class)
class OutboxRelayOrderTest {

    static final int KEYS = 8;
    static final int PER_KEY = 40;

    @Inject
    @Any
    InMemoryConnector connector;

    @Inject
    @Channel("outbox")
    Emitter<String> emitter;

    @Inject
    EntityManager em;

    @Test
    void concurrentRelaysKeepEachKeysOrderAndDeliverEachRecordOnce() throws Exception {
        InMemorySink<String> sink = connector.sink("outbox");
        sink.clear();
        String topic = "lockstep.test-order-" + UUID.randomUUID().toString().substring(0, 8);
        AtomicInteger refused = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> relays = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            OutboxRelay relay = new OutboxRelay(new FlakyBroker(emitter, refused), em);
            Thread t = new Thread(
                    () -> {
                        while (running.get()) {
                            try {
                                if (relay.relayBatch().locked() == 0) {
                                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // a relay's idle poll
                                }
                            } catch (RuntimeException e) {
                                // a catalog conflict: the next round retries, as the relay's loop does
                            }
                        }
                    },
                    "test-relay-" + i);
            t.start();
            relays.add(t);
        }

        Map<String, Integer> next = new HashMap<>();
        int written = 0;
        while (written < KEYS * PER_KEY) {
            int rows = Math.min(1 + ThreadLocalRandom.current().nextInt(6), KEYS * PER_KEY - written);
            List<String[]> batch = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                String key;
                do {
                    key = "k" + ThreadLocalRandom.current().nextInt(KEYS);
                } while (next.getOrDefault(key, 0) >= PER_KEY);
                int seq = next.merge(key, 1, Integer::sum) - 1;
                batch.add(new String[] {key, key + ":" + seq});
            }
            QuarkusTransaction.requiringNew().run(() -> {
                for (String[] r : batch) {
                    OutboxMessage m = new OutboxMessage();
                    m.topic = topic;
                    m.key = r[0];
                    m.payload = r[1];
                    m.createdAt = Instant.now();
                    m.persist();
                }
            });
            written += rows;
        }

        try {
            await().atMost(Duration.ofSeconds(90))
                    .until(() ->
                            QuarkusTransaction.requiringNew().call(() -> OutboxMessage.count("topic", topic)) == 0);
        } finally {
            running.set(false);
            for (Thread t : relays) {
                t.join(10_000);
            }
        }

        Map<String, List<Integer>> delivered = new HashMap<>();
        for (Message<String> m : List.copyOf(sink.received())) {
            OutgoingKafkaRecordMetadata<?> meta =
                    m.getMetadata(OutgoingKafkaRecordMetadata.class).orElseThrow();
            if (!topic.equals(meta.getTopic())) {
                continue;
            }
            String[] parts = m.getPayload().split(":");
            assertEquals(meta.getKey(), parts[0], "the record key is the row's key");
            delivered.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
        }
        assertTrue(refused.get() > 0, "the broker stand-in refused some sends, so retries were exercised");
        assertEquals(KEYS, delivered.size());
        for (Map.Entry<String, List<Integer>> e : delivered.entrySet()) {
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < PER_KEY; i++) {
                expected.add(i);
            }
            assertEquals(expected, e.getValue(), "key " + e.getKey() + ": every record once, in order");
        }
    }

    /**
     * A broker stand-in in front of the real channel: each send waits up to 3 ms, about one in twelve is refused (not
     * delivered, nacked), the rest are delivered and acknowledged.
     */
    static final class FlakyBroker implements Emitter<String> {

        private final Emitter<String> channel;
        private final AtomicInteger refused;

        FlakyBroker(Emitter<String> channel, AtomicInteger refused) {
            this.channel = channel;
            this.refused = refused;
        }

        @Override
        public <M extends Message<? extends String>> void send(M msg) {
            CompletableFuture.runAsync(
                    () -> {
                        if (ThreadLocalRandom.current().nextInt(12) == 0) {
                            refused.incrementAndGet();
                            msg.nack(new IllegalStateException("refused by the test broker"));
                            return;
                        }
                        channel.send(Message.of(msg.getPayload(), msg.getMetadata())
                                .withAck(msg::ack)
                                .withNack(msg::nack));
                    },
                    CompletableFuture.delayedExecutor(
                            ThreadLocalRandom.current().nextInt(4), TimeUnit.MILLISECONDS));
        }

        @Override
        public CompletionStage<Void> send(String msg) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void complete() {}

        @Override
        public void error(Exception e) {}

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public boolean hasRequests() {
            return true;
        }
    }
}
