package io.lockstep.notifier.channel;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.lockstep.notifier.routing.ChannelSpec;
import io.lockstep.protocol.EventCodec;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/** A Slack-compatible incoming webhook: {@code {"text": "..."}} with a readable message. */
@ApplicationScoped
public class SlackSender implements ChannelSender {

    private final HttpPoster http;

    public SlackSender(HttpPoster http) {
        this.http = http;
    }

    @Override
    public ChannelSpec.ChannelType type() {
        return ChannelSpec.ChannelType.SLACK;
    }

    @Override
    public void send(Notification n, ChannelSpec channel, int attempt) throws DeliveryException {
        http.post(channel, body(MessageFormatter.format(n)), Map.of());
    }

    static byte[] body(MessageFormatter.Message message) {
        try {
            return EventCodec.mapper().writeValueAsBytes(Map.of("text", message.slackText()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a Slack message", e);
        }
    }
}
