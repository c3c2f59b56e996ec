package io.lockstep.coordinator.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.MalformedEventException;
import io.lockstep.protocol.StepEvents;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class AgentEventConsumerTest {

    private static final String RECORD = new EventCodec("/agents/test")
            .encode(
                    EventTypes.STEP_ACCEPTED,
                    "k",
                    new StepEvents.Accepted(UUID.randomUUID(), UUID.randomUUID(), "agent", Instant.now()));

    /** A handler failing with what {@code failure} gives for attempts 1, 2, ...; null means success. */
    private static AgentEventConsumer consumer(AtomicInteger calls, IntFunction<RuntimeException> failure) {
        return consumer(calls, failure, Duration.ofMinutes(1));
    }

    private static AgentEventConsumer consumer(
            AtomicInteger calls, IntFunction<RuntimeException> failure, Duration retryFor) {
        AgentEventHandler handler = new AgentEventHandler(null, null, null, null) {
            @Override
            public boolean handle(CloudEvent event) {
                RuntimeException e = failure.apply(calls.incrementAndGet());
                if (e != null) {
                    throw e;
                }
                return true;
            }
        };
        AgentEventConsumer consumer = new AgentEventConsumer(handler, retryFor);
        consumer.backoffUnitMillis = 2;
        return consumer;
    }

    private static RuntimeException catalogDown() {
        // What Hibernate/Agroal surface while the catalog refuses connections (ALLOW_CONNECTIONS false).
        return new IllegalStateException(
                "could not prepare statement",
                new SQLException("FATAL: database \"x\" is not currently accepting connections", "55000"));
    }

    @Test
    void aCatalogOutageIsWaitedOutLongerThanTheQuickRetries() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        consumer(calls, n -> n <= 12 ? catalogDown() : null).consume(RECORD);
        assertEquals(13, calls.get());
    }

    @Test
    void aTransientFailureOutlastingTheBoundIsDeadLettered() {
        AtomicInteger calls = new AtomicInteger();
        AgentEventConsumer consumer = consumer(calls, n -> catalogDown(), Duration.ofMillis(200));
        assertThrows(IllegalStateException.class, () -> consumer.consume(RECORD));
        assertTrue(calls.get() >= 2, "retried before giving up: " + calls.get());
    }

    @Test
    void anOtherFailureIsRetriedFiveTimesThenDeadLettered() {
        AtomicInteger calls = new AtomicInteger();
        RuntimeException bug = new NullPointerException("bug");
        assertSame(
                bug,
                assertThrows(
                        RuntimeException.class, () -> consumer(calls, n -> bug).consume(RECORD)));
        assertEquals(5, calls.get());
    }

    @Test
    void aMalformedEventIsDeadLetteredAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        assertThrows(
                MalformedEventException.class,
                () -> consumer(calls, n -> new MalformedEventException("bad")).consume(RECORD));
        assertEquals(1, calls.get());
        assertThrows(
                MalformedEventException.class, () -> consumer(calls, n -> null).consume("{not json"));
    }

    @Test
    void transientFailuresAreToldFromOthers() {
        assertTrue(TransientFailures.isTransient(catalogDown()));
        assertTrue(TransientFailures.isTransient(new RuntimeException(new SQLException("terminated", "57P01"))));
        assertTrue(TransientFailures.isTransient(new RuntimeException(new SQLException("I/O error", "08006"))));
        assertTrue(TransientFailures.isTransient(new RuntimeException(new SQLException("deadlock", "40P01"))));
        assertTrue(TransientFailures.isTransient(new RuntimeException(new SQLException("Acquisition timeout"))));
        assertFalse(TransientFailures.isTransient(new RuntimeException(new SQLException("bad column", "42703"))));
        assertFalse(TransientFailures.isTransient(new NullPointerException()));
        assertFalse(TransientFailures.isTransient(new MalformedEventException("bad", new SQLException("x", "08006"))));
    }
}
