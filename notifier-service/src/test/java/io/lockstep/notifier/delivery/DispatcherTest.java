package io.lockstep.notifier.delivery;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.notifier.channel.ChannelSender;
import io.lockstep.notifier.channel.DeliveryException;
import io.lockstep.notifier.channel.Notification;
import io.lockstep.notifier.config.NotifierConfig;
import io.lockstep.notifier.routing.ChannelSpec;
import io.lockstep.notifier.routing.ChannelSpec.ChannelType;
import io.lockstep.notifier.routing.EventClass;
import io.lockstep.notifier.routing.Route;
import io.lockstep.notifier.routing.Routing;
import io.lockstep.notifier.routing.Secret;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.RunEvent;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dispatcher's scheduling, with in-memory senders: the real channels are covered by NotificationDeliveryIT. */
class DispatcherTest {

    private static final ChannelSpec HOOK = new ChannelSpec(
            "hook", ChannelType.WEBHOOK, URI.create("http://127.0.0.1:1/hook"), Secret.of("s"), List.of());
    private static final ChannelSpec MAIL = new ChannelSpec("mail", ChannelType.EMAIL, null, null, List.of("a@b.c"));

    private final CapturingDeadLetters deadLetters = new CapturingDeadLetters();
    private final DeliveryLog log = new DeliveryLog(100);
    private final List<String> mailed = new CopyOnWriteArrayList<>();
    private Dispatcher dispatcher;

    @AfterEach
    void stop() {
        if (dispatcher != null) {
            dispatcher.stop();
        }
    }

    @Test
    void aStuckChannelDoesNotHoldBackAnother() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        dispatcher = dispatcher(3, 10, (n, c, attempt) -> block(release));
        Notification first = failed();
        Notification second = failed();

        List<Delivery> firsts = dispatcher.dispatch(first);
        dispatcher.dispatch(second);

        await().atMost(Duration.ofSeconds(10)).until(() -> mailed.size() == 2);
        assertEquals(List.of(first.eventId(), second.eventId()), mailed);
        assertEquals(Delivery.Outcome.PENDING, outcome(second, "hook"), "the hook is still stuck on the first");
        assertFalse(firsts.get(0).done().isDone(), "the record is not acknowledged while its hook delivery runs");
        assertTrue(firsts.get(1).done().isDone(), "the mail delivery is over");
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> outcome(second, "hook") == Delivery.Outcome.DELIVERED);
        assertTrue(firsts.get(0).done().isDone());
    }

    @Test
    void failingChannelIsRetriedUpToMaxAttemptsThenDeadLettered() {
        AtomicInteger calls = new AtomicInteger();
        dispatcher = dispatcher(3, 10, (n, c, attempt) -> {
            calls.incrementAndGet();
            throw new DeliveryException("HTTP 503 from http://127.0.0.1:1/...", false);
        });
        Notification n = failed();

        dispatcher.dispatch(n);

        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters.letters.size() == 1);
        Delivery letter = deadLetters.letters.get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> letter.done().isDone());
        assertEquals("hook", letter.channel().name());
        assertEquals(3, letter.attempts());
        assertEquals(3, calls.get());
        assertEquals(Delivery.Outcome.DEAD_LETTERED, outcome(n, "hook"));
        assertEquals("HTTP 503 from http://127.0.0.1:1/...", letter.lastError());
        assertEquals(Delivery.Outcome.DELIVERED, outcome(n, "mail"));
    }

    @Test
    void permanentFailureIsDeadLetteredWithoutRetry() {
        dispatcher = dispatcher(5, 10, (n, c, attempt) -> {
            throw new DeliveryException("HTTP 404 from http://127.0.0.1:1/...", true);
        });

        dispatcher.dispatch(failed());

        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters.letters.size() == 1);
        assertEquals(1, deadLetters.letters.get(0).attempts());
        assertTrue(deadLetters.letters.get(0).lastError().contains("permanent"));
    }

    @Test
    void deliveryThatSucceedsOnRetryIsDeliveredAndKeepsItsLastError() {
        dispatcher = dispatcher(5, 10, (n, c, attempt) -> {
            if (attempt == 1) {
                throw new DeliveryException("cannot reach http://127.0.0.1:1/...", false);
            }
        });
        Notification n = failed();

        dispatcher.dispatch(n);

        await().atMost(Duration.ofSeconds(10)).until(() -> outcome(n, "hook") == Delivery.Outcome.DELIVERED);
        Delivery.View view = view(n, "hook");
        assertEquals(2, view.attempts());
        assertEquals("cannot reach http://127.0.0.1:1/...", view.lastError());
        assertTrue(deadLetters.letters.isEmpty());
    }

    @Test
    void fullQueueDeadLettersNewDeliveriesInsteadOfGrowing() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        dispatcher = dispatcher(3, 1, (n, c, attempt) -> block(release));
        Notification failedFirst = failed();
        dispatcher.dispatch(failedFirst);
        Notification overflow = failed();

        dispatcher.dispatch(overflow);

        // the hook is busy with the first delivery, so the second finds its queue full (the mail channel may too)
        Delivery letter = await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> deadLetters.letters.stream()
                                .filter(d -> d.channel().name().equals("hook"))
                                .findFirst()
                                .orElse(null),
                        d -> d != null);
        assertEquals(overflow.eventId(), letter.notification().eventId());
        assertTrue(letter.lastError().contains("queue is full"), letter.lastError());
        assertEquals(Delivery.Outcome.PENDING, outcome(failedFirst, "hook"));
        release.countDown();
    }

    private Dispatcher dispatcher(int maxAttempts, int queueCapacity, Send hook) {
        Routing routing = new Routing(
                Map.of("hook", HOOK, "mail", MAIL),
                List.of(new Route("all", List.of("*"), Set.of(EventClass.FAILED), List.of("hook", "mail"))));
        ChannelSender hookSender = new Sender(ChannelType.WEBHOOK, hook);
        ChannelSender mailSender = new Sender(ChannelType.EMAIL, (n, c, attempt) -> mailed.add(n.eventId()));
        return new Dispatcher(
                routing, log, deadLetters, delivery(maxAttempts, queueCapacity), List.of(hookSender, mailSender));
    }

    private Delivery.View view(Notification n, String channel) {
        return log.recent(d -> d.eventId().equals(n.eventId()) && d.channel().equals(channel), 1)
                .get(0);
    }

    private Delivery.Outcome outcome(Notification n, String channel) {
        return view(n, channel).outcome();
    }

    private static Notification failed() {
        RunEvent run = new RunEvent(
                UUID.randomUUID(), "p", "BACKUP", "FAILED", null, null, 0, "boom", Instant.now(), null, null, false);
        return Notification.of(
                new EventCodec("/test").wrap(EventTypes.RUN_FAILED, run.runId().toString(), run));
    }

    private static void block(CountDownLatch latch) throws DeliveryException {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new DeliveryException("test latch never released", true);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException("interrupted", false);
        }
    }

    private static NotifierConfig.Delivery delivery(int maxAttempts, int queueCapacity) {
        return new NotifierConfig.Delivery() {
            @Override
            public int maxAttempts() {
                return maxAttempts;
            }

            @Override
            public Duration backoff() {
                return Duration.ofMillis(5);
            }

            @Override
            public Duration maxBackoff() {
                return Duration.ofMillis(20);
            }

            @Override
            public Duration timeout() {
                return Duration.ofSeconds(1);
            }

            @Override
            public int queueCapacity() {
                return queueCapacity;
            }
        };
    }

    @FunctionalInterface
    interface Send {
        void send(Notification n, ChannelSpec channel, int attempt) throws DeliveryException;
    }

    private record Sender(ChannelType type, Send send) implements ChannelSender {
        @Override
        public void send(Notification n, ChannelSpec channel, int attempt) throws DeliveryException {
            send.send(n, channel, attempt);
        }
    }

    private static final class CapturingDeadLetters extends DeadLetters {
        final List<Delivery> letters = new CopyOnWriteArrayList<>();

        CapturingDeadLetters() {
            super(null);
        }

        @Override
        public CompletionStage<Void> publish(Delivery delivery, Instant at) {
            letters.add(delivery);
            return CompletableFuture.completedFuture(null);
        }
    }
}
