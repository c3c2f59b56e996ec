package io.lockstep.notifier.delivery;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lockstep.notifier.channel.Notification;
import io.lockstep.protocol.EventCodec;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Publishes a delivery that gave up to {@code lockstep.notifications.dlq}, keyed by event id: the channel (name and
 * type, never its URL or secret), the attempts, the reason and the whole original event, so it can be replayed.
 */
@ApplicationScoped
public class DeadLetters {

    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    private final Emitter<String> emitter;

    @Inject
    DeadLetters(@Channel("notifications-dlq") Emitter<String> emitter) {
        this.emitter = emitter;
    }

    /** Completes when Kafka took the record, or when publishing failed (which is logged): never exceptionally. */
    public CompletionStage<Void> publish(Delivery delivery, Instant at) {
        Notification n = delivery.notification();
        ObjectNode record = EventCodec.mapper().createObjectNode();
        record.put("eventId", n.eventId());
        record.put("eventType", n.eventType());
        record.put("eventClass", n.eventClass().wireName());
        record.put("plan", n.plan());
        record.put("runId", n.runId() == null ? null : n.runId().toString());
        record.put("channel", delivery.channel().name());
        record.put("channelType", delivery.channel().type().wireName());
        record.put("attempts", delivery.attempts());
        record.put("reason", delivery.lastError());
        record.put("deadLetteredAt", at.toString());
        record.set("event", EventCodec.mapper().valueToTree(n.event()));
        String json = record.toString();
        CompletableFuture<Void> sent = new CompletableFuture<>();
        Message<String> message = Message.of(
                        json,
                        () -> {
                            sent.complete(null);
                            return CompletableFuture.completedFuture(null);
                        },
                        e -> {
                            LOG.errorf(
                                    "could not publish the dead letter of event %s for channel %s: %s",
                                    n.eventId(), delivery.channel().name(), e.getMessage());
                            sent.complete(null);
                            return CompletableFuture.completedFuture(null);
                        })
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(n.eventId())
                        .build());
        try {
            emitter.send(message);
        } catch (RuntimeException e) {
            LOG.errorf(
                    "could not publish the dead letter of event %s for channel %s: %s",
                    n.eventId(), delivery.channel().name(), e.getMessage());
            sent.complete(null);
        }
        return sent;
    }
}
