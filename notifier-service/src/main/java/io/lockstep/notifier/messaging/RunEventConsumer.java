package io.lockstep.notifier.messaging;

import io.lockstep.notifier.delivery.Dispatcher;
import io.lockstep.notifier.delivery.Notification;
import io.lockstep.notifier.delivery.SeenEvents;
import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.MalformedEventException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes {@code lockstep.run-events}. A record that is not a public run or plan event goes to the dead-letter
 * topic {@code lockstep.run-events.dlq} and the consumer carries on. An event id seen before is skipped. The record
 * is acknowledged once its deliveries are queued; they then proceed on the channels' own threads.
 */
@ApplicationScoped
public class RunEventConsumer {

    private static final Logger LOG = Logger.getLogger(RunEventConsumer.class);

    @Inject
    Dispatcher dispatcher;

    @Inject
    SeenEvents seen;

    @Incoming("run-events")
    public void consume(String record) {
        Notification notification;
        try {
            CloudEvent event = EventCodec.decode(record);
            notification = Notification.of(event);
        } catch (MalformedEventException e) {
            LOG.warnf("malformed run event sent to the dead-letter topic: %s", e.getMessage());
            throw e;
        }
        if (!seen.firstTime(notification.eventId())) {
            LOG.debugf("event %s was already handled; skipped", notification.eventId());
            return;
        }
        dispatcher.dispatch(notification);
    }
}
