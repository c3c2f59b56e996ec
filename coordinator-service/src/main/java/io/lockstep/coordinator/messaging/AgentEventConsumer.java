package io.lockstep.coordinator.messaging;

import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.MalformedEventException;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes {@code lockstep.agent-events}. A record that is not a valid event goes to the dead-letter topic
 * ({@code lockstep.agent-events.dlq}) and the consumer carries on. A transient failure (the catalog briefly
 * unreachable, a lock conflict) is retried a few times before the record is dead-lettered.
 */
@ApplicationScoped
public class AgentEventConsumer {

    private static final Logger LOG = Logger.getLogger(AgentEventConsumer.class);
    private static final int ATTEMPTS = 5;

    private final AgentEventHandler handler;

    @Inject
    AgentEventConsumer(AgentEventHandler handler) {
        this.handler = handler;
    }

    @Incoming("agent-events")
    @Blocking
    public void consume(String record) throws InterruptedException {
        CloudEvent event;
        try {
            event = EventCodec.decode(record);
        } catch (MalformedEventException e) {
            LOG.warnf("malformed agent event sent to the dead-letter topic: %s", e.getMessage());
            throw e;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                handler.handle(event);
                return;
            } catch (MalformedEventException e) {
                LOG.warnf("agent event %s sent to the dead-letter topic: %s", event.id(), e.getMessage());
                throw e;
            } catch (RuntimeException e) {
                if (attempt >= ATTEMPTS) {
                    LOG.errorf(e, "agent event %s failed %d times; sent to the dead-letter topic", event.id(), attempt);
                    throw e;
                }
                LOG.warnf("agent event %s failed (attempt %d): %s; retrying", event.id(), attempt, e.getMessage());
                Thread.sleep(200L * attempt); // backoff between retries of a transient failure
            }
        }
    }
}
