package io.lockstep.coordinator.messaging;

import io.lockstep.coordinator.config.CoordinatorConfig;
import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.MalformedEventException;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes {@code lockstep.agent-events}. A record that is not a valid event goes to the dead-letter topic
 * ({@code lockstep.agent-events.dlq}) and the consumer carries on. A transient failure (the catalog unreachable
 * or restarting, a connection cut, a lock conflict: {@link TransientFailures}) is not the event's fault: the
 * consumer pauses on that event and retries it with backoff for up to
 * {@code lockstep.coordinator.event-retry-for} (10 min), so a catalog outage delays events but never dead-letters
 * them. Any other failure is retried a few times before the record is dead-lettered.
 */
@ApplicationScoped
public class AgentEventConsumer {

    private static final Logger LOG = Logger.getLogger(AgentEventConsumer.class);
    private static final int ATTEMPTS = 5;

    private final AgentEventHandler handler;
    private final Duration transientRetryFor;

    @Inject
    public AgentEventConsumer(AgentEventHandler handler, CoordinatorConfig config) {
        this(handler, config.eventRetryFor());
    }

    AgentEventConsumer(AgentEventHandler handler, Duration transientRetryFor) {
        this.handler = handler;
        this.transientRetryFor = transientRetryFor;
    }

    /** The first backoff; later ones double up to 25 times this (5 s). Tests shorten it. */
    long backoffUnitMillis = 200;

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
        long startedAt = System.nanoTime();
        int failures = 0;
        for (int attempt = 1; ; attempt++) {
            try {
                handler.handle(event);
                if (LOG.isDebugEnabled()) {
                    LOG.debugf(
                            "agent event %s %s applied in %d ms, %d ms after it was sent",
                            event.type(),
                            event.id(),
                            (System.nanoTime() - startedAt) / 1_000_000,
                            event.time() == null
                                    ? -1
                                    : Duration.between(event.time(), Instant.now())
                                            .toMillis());
                }
                if (attempt > 1) {
                    LOG.infof("agent event %s applied at attempt %d", event.id(), attempt);
                }
                return;
            } catch (MalformedEventException e) {
                LOG.warnf("agent event %s sent to the dead-letter topic: %s", event.id(), e.getMessage());
                throw e;
            } catch (RuntimeException e) {
                long backoff;
                if (TransientFailures.isTransient(e)) {
                    Duration waited = Duration.ofNanos(System.nanoTime() - startedAt);
                    if (waited.compareTo(transientRetryFor) >= 0) {
                        LOG.errorf(
                                e,
                                "agent event %s failed transiently for %s (%d attempts); sent to the dead-letter topic",
                                event.id(),
                                waited,
                                attempt);
                        throw e;
                    }
                    // 200 ms doubling to 5 s: a catalog outage costs a few requests, not a storm.
                    backoff = Math.min(25 * backoffUnitMillis, backoffUnitMillis << Math.min(attempt - 1, 5));
                    LOG.warnf(
                            "agent event %s: the catalog failed transiently (attempt %d, %s); retrying in %d ms",
                            event.id(), attempt, rootMessage(e), backoff);
                } else {
                    failures++;
                    if (failures >= ATTEMPTS) {
                        LOG.errorf(
                                e,
                                "agent event %s failed %d times; sent to the dead-letter topic",
                                event.id(),
                                failures);
                        throw e;
                    }
                    backoff = backoffUnitMillis * failures;
                    LOG.warnf("agent event %s failed (attempt %d): %s; retrying", event.id(), attempt, e.getMessage());
                }
                Thread.sleep(backoff);
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
