package io.lockstep.notifier.channel;

import io.lockstep.notifier.routing.ChannelSpec;

/** Delivers one notification to one channel of its type, once; the caller retries. Blocking. */
public interface ChannelSender {

    ChannelSpec.ChannelType type();

    void send(Notification notification, ChannelSpec channel, int attempt) throws DeliveryException;
}
