package io.lockstep.notifier.delivery;

import io.lockstep.notifier.channel.ChannelSender;
import io.lockstep.notifier.channel.DeliveryException;
import io.lockstep.notifier.channel.Notification;
import io.lockstep.notifier.config.NotifierConfig;
import io.lockstep.notifier.routing.ChannelSpec;
import io.lockstep.notifier.routing.Routing;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Routes a notification and hands one delivery per channel to that channel's worker; {@link Delivery#done()} tells
 * when each is over. Each channel has its own
 * single thread, so a slow or broken endpoint delays only its own deliveries. A failed attempt is retried with
 * exponential backoff by scheduling it again (no thread sleeps meanwhile); after the last attempt, or a permanent
 * failure, the delivery goes to the dead-letter topic and the log.
 */
@ApplicationScoped
public class Dispatcher {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class);

    private final Routing routing;
    private final DeliveryLog log;
    private final DeadLetters deadLetters;
    private final Backoff backoff;
    private final int maxAttempts;
    private final int queueCapacity;
    private final Map<ChannelSpec.ChannelType, ChannelSender> senders = new EnumMap<>(ChannelSpec.ChannelType.class);
    private final Map<String, Worker> workers = new TreeMap<>();
    private final Clock clock = Clock.systemUTC();

    @Inject
    public Dispatcher(
            Routing routing,
            DeliveryLog log,
            DeadLetters deadLetters,
            NotifierConfig config,
            Instance<ChannelSender> senders) {
        this(routing, log, deadLetters, config.delivery(), senders);
    }

    Dispatcher(
            Routing routing,
            DeliveryLog log,
            DeadLetters deadLetters,
            NotifierConfig.Delivery delivery,
            Iterable<ChannelSender> senders) {
        this.routing = routing;
        this.log = log;
        this.deadLetters = deadLetters;
        this.backoff = new Backoff(delivery.backoff(), delivery.maxBackoff());
        this.maxAttempts = Math.max(1, delivery.maxAttempts());
        this.queueCapacity = Math.max(1, delivery.queueCapacity());
        senders.forEach(s -> this.senders.put(s.type(), s));
        routing.channels().values().forEach(c -> workers.put(c.name(), new Worker(c)));
    }

    /** Builds the workers at startup, so a configuration mistake stops the service before it consumes. */
    void onStart(@Observes StartupEvent event) {
        LOG.infof(
                "notifier routes: %s; channels: %s",
                routing.routes().size(), routing.channels().values());
    }

    /** Starts one delivery per routed channel and returns them; empty when no route matches. */
    public List<Delivery> dispatch(Notification notification) {
        List<Delivery> started = new ArrayList<>();
        for (ChannelSpec channel : routing.channelsFor(notification.plan(), notification.eventClass())) {
            Delivery delivery = new Delivery(notification, channel, clock.instant());
            log.add(delivery);
            workers.get(channel.name()).submit(delivery);
            started.add(delivery);
        }
        if (started.isEmpty()) {
            LOG.debugf(
                    "event %s (%s, plan %s) matches no route",
                    notification.eventId(), notification.eventClass().wireName(), notification.plan());
        }
        return started;
    }

    @PreDestroy
    void stop() {
        workers.values().forEach(Worker::stop);
    }

    /** The one thread and the queue of one channel. */
    private final class Worker {

        private final ChannelSpec channel;
        private final ScheduledThreadPoolExecutor executor;
        private final AtomicInteger queued = new AtomicInteger();

        Worker(ChannelSpec channel) {
            this.channel = channel;
            this.executor = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "notifier-" + channel.name());
                t.setDaemon(true);
                return t;
            });
            executor.setRemoveOnCancelPolicy(true);
        }

        void submit(Delivery delivery) {
            if (queued.incrementAndGet() > queueCapacity) {
                queued.decrementAndGet();
                delivery.startAttempt(clock.instant());
                giveUp(delivery, "the channel's queue is full (" + queueCapacity + " waiting deliveries)");
                return;
            }
            schedule(delivery, Duration.ZERO);
        }

        private void schedule(Delivery delivery, Duration delay) {
            try {
                executor.schedule(() -> attempt(delivery), delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                queued.decrementAndGet();
                LOG.warnf(
                        "delivery of event %s to channel %s dropped: the notifier is stopping",
                        delivery.notification().eventId(), channel.name());
            }
        }

        private void attempt(Delivery delivery) {
            int attempt = delivery.startAttempt(clock.instant());
            try {
                sender().send(delivery.notification(), channel, attempt);
                queued.decrementAndGet();
                delivery.succeeded(clock.instant());
                LOG.debugf(
                        "event %s delivered to channel %s (attempt %d)",
                        delivery.notification().eventId(), channel.name(), attempt);
            } catch (DeliveryException e) {
                fail(delivery, attempt, e.getMessage(), e.permanent());
            } catch (RuntimeException e) {
                fail(delivery, attempt, channel.scrub(e.getClass().getSimpleName() + ": " + e.getMessage()), false);
            }
        }

        private void fail(Delivery delivery, int attempt, String reason, boolean permanent) {
            if (permanent || attempt >= maxAttempts) {
                queued.decrementAndGet();
                giveUp(delivery, permanent ? reason + " (permanent, not retried)" : reason);
                return;
            }
            Duration wait = backoff.after(attempt);
            delivery.failed(reason, false, clock.instant());
            LOG.infof(
                    "delivery of event %s to channel %s failed (attempt %d of %d): %s; retrying in %d ms",
                    delivery.notification().eventId(), channel.name(), attempt, maxAttempts, reason, wait.toMillis());
            schedule(delivery, wait);
        }

        private void giveUp(Delivery delivery, String reason) {
            delivery.failed(reason, true, clock.instant());
            LOG.warnf(
                    "delivery of event %s (%s, plan %s) to channel %s (%s) gave up after %d attempt(s): %s; "
                            + "sent to the dead-letter topic",
                    delivery.notification().eventId(),
                    delivery.notification().eventType(),
                    delivery.notification().plan(),
                    channel.name(),
                    channel.target(),
                    delivery.attempts(),
                    reason);
            deadLetters.publish(delivery, clock.instant()).whenComplete((ok, e) -> delivery.finished());
        }

        private ChannelSender sender() {
            ChannelSender sender = senders.get(channel.type());
            if (sender == null) {
                throw new IllegalStateException("no sender for channel type " + channel.type());
            }
            return sender;
        }

        void stop() {
            executor.shutdownNow();
        }
    }
}
