package io.lockstep.notifier.channel;

import io.lockstep.notifier.routing.ChannelSpec;
import io.lockstep.protocol.EventCodec;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

/**
 * The generic webhook: the CloudEvent itself as the JSON body, signed (see {@link Signature}), with the event's id
 * and type in headers so a receiver can de-duplicate before parsing.
 */
@ApplicationScoped
public class WebhookSender implements ChannelSender {

    public static final String EVENT_ID_HEADER = "X-Lockstep-Event-Id";
    public static final String EVENT_TYPE_HEADER = "X-Lockstep-Event-Type";
    public static final String ATTEMPT_HEADER = "X-Lockstep-Delivery-Attempt";

    private final HttpPoster http;
    private final Clock clock = Clock.systemUTC();

    public WebhookSender(HttpPoster http) {
        this.http = http;
    }

    @Override
    public ChannelSpec.ChannelType type() {
        return ChannelSpec.ChannelType.WEBHOOK;
    }

    @Override
    public void send(Notification n, ChannelSpec channel, int attempt) throws DeliveryException {
        byte[] body = EventCodec.toJson(n.event()).getBytes(StandardCharsets.UTF_8);
        long timestamp = clock.instant().getEpochSecond();
        http.post(
                channel,
                body,
                Map.of(
                        EVENT_ID_HEADER,
                        n.eventId(),
                        EVENT_TYPE_HEADER,
                        n.eventType(),
                        ATTEMPT_HEADER,
                        Integer.toString(attempt),
                        Signature.TIMESTAMP_HEADER,
                        Long.toString(timestamp),
                        Signature.SIGNATURE_HEADER,
                        Signature.sign(channel.secret(), timestamp, body)));
    }
}
