package io.lockstep.notifier.messaging;

import io.lockstep.notifier.channel.Notification;
import io.lockstep.notifier.delivery.Delivery;
import io.lockstep.notifier.delivery.Dispatcher;
import io.lockstep.notifier.delivery.SeenEvents;
import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.MalformedEventException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Acknowledgment;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Consumes {@code lockstep.run-events}. A record that is not a public run or plan event is nacked, and SmallRye's
 * dead-letter strategy puts it on {@code lockstep.run-events.dlq}; the consumer carries on. An event id seen before
 * is skipped (and acknowledged when the first handling is over). The method returns at once, so the next record
 * is routed while this one's deliveries proceed on the channels' own threads; the record is acknowledged only
 * when all of them are over (delivered or dead-lettered).
 * The throttled commit strategy then commits offsets in order, so a crash redelivers what was not finished.
 */
@ApplicationScoped
public class RunEventConsumer {

    private static final Logger LOG = Logger.getLogger(RunEventConsumer.class);

    private final Dispatcher dispatcher;
    private final SeenEvents seen;

    @Inject
    RunEventConsumer(Dispatcher dispatcher, SeenEvents seen) {
        this.dispatcher = dispatcher;
        this.seen = seen;
    }

    @Incoming("run-events")
    @Acknowledgment(Acknowledgment.Strategy.MANUAL)
    public CompletionStage<Void> consume(Message<String> record) {
        Notification notification;
        try {
            CloudEvent event = EventCodec.decode(record.getPayload());
            notification = Notification.of(event);
        } catch (MalformedEventException e) {
            LOG.warnf("malformed run event sent to the dead-letter topic: %s", e.getMessage());
            return record.nack(e);
        }
        CompletableFuture<Void> handled = new CompletableFuture<>();
        CompletableFuture<Void> earlier = seen.claim(notification.eventId(), handled);
        if (earlier != null) {
            LOG.debugf("event %s was already handled; skipped", notification.eventId());
            earlier.whenComplete((ok, e) -> record.ack());
            return CompletableFuture.completedFuture(null);
        }
        List<Delivery> deliveries = dispatcher.dispatch(notification);
        CompletableFuture.allOf(deliveries.stream().map(Delivery::done).toArray(CompletableFuture[]::new))
                .whenComplete((ok, e) -> {
                    handled.complete(null);
                    record.ack();
                });
        return CompletableFuture.completedFuture(null);
    }
}
