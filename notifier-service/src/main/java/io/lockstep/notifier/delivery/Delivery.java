package io.lockstep.notifier.delivery;

import io.lockstep.notifier.channel.Notification;
import io.lockstep.notifier.routing.ChannelSpec;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** One notification on its way to one channel. Updated by that channel's worker only; read by the API. */
public final class Delivery {

    /** Where a delivery stands. */
    public enum Outcome {
        /** Queued, not tried yet. */
        PENDING,
        /** Tried and failed; another attempt is scheduled. */
        RETRYING,
        /** The channel accepted it. */
        DELIVERED,
        /** Every attempt failed, or the failure was permanent: it went to the dead-letter topic. */
        DEAD_LETTERED
    }

    /**
     * What the API shows of a delivery.
     *
     * @param channelTarget where it goes, without the parts of a URL that can hold credentials
     */
    public record View(
            String eventId,
            String eventType,
            String eventClass,
            String plan,
            UUID runId,
            String channel,
            String channelType,
            String channelTarget,
            int attempts,
            Outcome outcome,
            String lastError,
            Instant createdAt,
            Instant lastAttemptAt,
            Instant finishedAt) {}

    private final Notification notification;
    private final ChannelSpec channel;
    private final Instant createdAt;
    private int attempts;
    private Outcome outcome = Outcome.PENDING;
    private String lastError;
    private Instant lastAttemptAt;
    private Instant finishedAt;
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    public Delivery(Notification notification, ChannelSpec channel, Instant createdAt) {
        this.notification = notification;
        this.channel = channel;
        this.createdAt = createdAt;
    }

    public Notification notification() {
        return notification;
    }

    public ChannelSpec channel() {
        return channel;
    }

    synchronized int startAttempt(Instant now) {
        lastAttemptAt = now;
        return ++attempts;
    }

    synchronized void succeeded(Instant now) {
        outcome = Outcome.DELIVERED;
        finishedAt = now;
        done.complete(null);
    }

    synchronized void failed(String error, boolean gaveUp, Instant now) {
        lastError = error;
        outcome = gaveUp ? Outcome.DEAD_LETTERED : Outcome.RETRYING;
        if (gaveUp) {
            finishedAt = now;
        }
    }

    /**
     * Completes when the delivery is over: delivered, or dead-lettered and the dead letter published. Never
     * exceptionally.
     */
    public CompletableFuture<Void> done() {
        return done;
    }

    /** Marks the end after the dead letter is published. */
    void finished() {
        done.complete(null);
    }

    public synchronized int attempts() {
        return attempts;
    }

    public synchronized String lastError() {
        return lastError;
    }

    public synchronized View view() {
        Notification n = notification;
        return new View(
                n.eventId(),
                n.eventType(),
                n.eventClass().wireName(),
                n.plan(),
                n.runId(),
                channel.name(),
                channel.type().wireName(),
                channel.target(),
                attempts,
                outcome,
                lastError,
                createdAt,
                lastAttemptAt,
                finishedAt);
    }

    @Override
    public String toString() {
        return "Delivery[" + notification.eventId() + " -> " + channel.name() + "]";
    }
}
