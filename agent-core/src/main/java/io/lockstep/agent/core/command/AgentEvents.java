package io.lockstep.agent.core.command;

import io.lockstep.agent.core.config.AgentConfig;
import io.lockstep.protocol.AgentSources;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.StepEvents;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * Publishes an agent's events on {@code lockstep.agent-events}, as CloudEvents signed by {@link EventSigner}, waiting
 * for the broker's ack.
 */
@ApplicationScoped
public class AgentEvents {

    private static final Logger LOG = Logger.getLogger(AgentEvents.class);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(2);
    private static final long SEND_TIMEOUT_SECONDS = 60;

    private final Emitter<String> emitter;
    private final EventCodec codec;
    private final EventSigner signer;
    private final String agentId;
    private final Clock clock = Clock.systemUTC();
    private final Map<UUID, Instant> lastProgress = new ConcurrentHashMap<>();

    /** Events that go unsigned (tests). */
    public AgentEvents(Emitter<String> emitter, AgentConfig config) {
        this(emitter, config, EventSigner.none());
    }

    @Inject
    public AgentEvents(@Channel("agent-events") Emitter<String> emitter, AgentConfig config, EventSigner signer) {
        this.emitter = emitter;
        this.agentId = config.id();
        this.codec = new EventCodec(AgentSources.of(config.id()));
        this.signer = signer;
    }

    public void heartbeat(Heartbeat heartbeat) {
        send(EventTypes.AGENT_HEARTBEAT, agentId, heartbeat);
    }

    public void accepted(UUID runId, UUID stepId) {
        // A step's first progress report waits PROGRESS_EVERY too: a short step ends with its result before any
        // (each event is a transaction in the coordinator, applied one after the other), a long one reports from then.
        lastProgress.put(stepId, clock.instant());
        send(
                EventTypes.STEP_ACCEPTED,
                runId.toString(),
                new StepEvents.Accepted(runId, stepId, agentId, clock.instant()));
    }

    void snapshotTaken(UUID runId, UUID stepId, Instant time, String lsn, String snapshotId) {
        send(
                EventTypes.STEP_SNAPSHOT_TAKEN,
                runId.toString(),
                new StepEvents.SnapshotTaken(runId, stepId, time, lsn, snapshotId));
    }

    void progress(UUID runId, UUID stepId, long bytes, long items) {
        Instant now = clock.instant();
        Instant last = lastProgress.get(stepId);
        if (last != null && last.plus(PROGRESS_EVERY).isAfter(now)) {
            return;
        }
        lastProgress.put(stepId, now);
        sendQuietly(
                EventTypes.STEP_PROGRESS, runId.toString(), new StepEvents.Progress(runId, stepId, bytes, items, now));
    }

    void succeeded(UUID runId, UUID stepId, StepResult result, Instant startedAt) {
        lastProgress.remove(stepId);
        send(
                EventTypes.STEP_SUCCEEDED,
                runId.toString(),
                new StepEvents.Succeeded(
                        runId,
                        stepId,
                        result.bytes(),
                        result.sha256(),
                        result.artifact(),
                        startedAt,
                        clock.instant(),
                        result.evidence()));
    }

    void failed(UUID runId, UUID stepId, String reason) {
        lastProgress.remove(stepId);
        send(EventTypes.STEP_FAILED, runId.toString(), new StepEvents.Failed(runId, stepId, reason, clock.instant()));
    }

    void leaseExpired(UUID runId, UUID stepId, String store, Instant leaseUntil, Instant resumedAt) {
        sendQuietly(
                EventTypes.STORE_RESUMED,
                runId.toString(),
                new StepEvents.LeaseExpired(runId, stepId, store, agentId, leaseUntil, resumedAt));
    }

    private void sendQuietly(String type, String key, Object payload) {
        try {
            send(type, key, payload);
        } catch (RuntimeException e) {
            LOG.warnf("could not send %s: %s", type, e.getMessage());
        }
    }

    /** Sends and waits for the broker's acknowledgement, so a step's outcome is never silently lost. */
    private void send(String type, String key, Object payload) {
        // The record key is the envelope's subject, so the signature covers it too.
        String json = EventCodec.toJson(signer.sign(codec.wrap(type, key, payload)));
        CompletableFuture<Void> acked = new CompletableFuture<>();
        Message<String> message = Message.of(
                json,
                Metadata.of(OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(key)
                        .build()),
                () -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                },
                failure -> {
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                });
        emitter.send(message);
        try {
            acked.get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending " + type, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Kafka did not acknowledge " + type + ": " + e.getMessage(), e);
        }
    }
}
