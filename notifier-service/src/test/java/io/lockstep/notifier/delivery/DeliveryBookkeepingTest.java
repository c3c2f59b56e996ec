package io.lockstep.notifier.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.lockstep.notifier.channel.Notification;
import io.lockstep.notifier.routing.ChannelSpec;
import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.PlanEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class DeliveryBookkeepingTest {

    @Test
    void backoffDoublesFromTheBaseAndStopsAtTheMaximum() {
        Backoff backoff = new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(30));
        assertEquals(
                List.of(2L, 4L, 8L, 16L, 30L, 30L),
                List.of(1, 2, 3, 4, 5, 60).stream()
                        .map(n -> backoff.after(n).toSeconds())
                        .toList());
    }

    @Test
    void anEventIdIsNewOnceAndTheOldestIdIsForgottenFirst() {
        SeenEvents seen = new SeenEvents(2);
        CompletableFuture<Void> a = new CompletableFuture<>();
        assertNull(seen.claim("a", a));
        assertSame(a, seen.claim("a", new CompletableFuture<>()), "a duplicate waits for the first handling");
        assertNull(seen.claim("b", new CompletableFuture<>()));
        assertNull(seen.claim("c", new CompletableFuture<>())); // forgets "a"
        assertNull(seen.claim("a", new CompletableFuture<>()));
        assertNotNull(seen.claim("c", new CompletableFuture<>()));
    }

    @Test
    void historyKeepsTheNewestDeliveriesFirstUpToItsSize() {
        DeliveryLog log = new DeliveryLog(2);
        ChannelSpec mail = new ChannelSpec("mail", ChannelSpec.ChannelType.EMAIL, null, null, List.of("a@b.c"));
        for (String plan : List.of("one", "two", "three")) {
            log.add(new Delivery(stale(plan), mail, Instant.now()));
        }
        assertEquals(
                List.of("three", "two"),
                log.recent(d -> true, 10).stream().map(Delivery.View::plan).toList());
        assertEquals(
                List.of("three"),
                log.recent(d -> true, 1).stream().map(Delivery.View::plan).toList());
        assertEquals(
                List.of("two"),
                log.recent(d -> d.plan().equals("two"), 10).stream()
                        .map(Delivery.View::plan)
                        .toList());
    }

    private static Notification stale(String plan) {
        CloudEvent event = new EventCodec("/test")
                .wrap(EventTypes.PLAN_STALE, plan, new PlanEvent(plan, "too old", null, null, Instant.now()));
        return Notification.of(event);
    }
}
