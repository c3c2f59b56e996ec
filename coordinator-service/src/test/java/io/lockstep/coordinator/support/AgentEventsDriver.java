package io.lockstep.coordinator.support;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.lockstep.coordinator.catalog.OutboxMessage;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.protocol.AgentSources;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StepEvents;
import io.lockstep.protocol.StoreKind;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.memory.InMemorySink;
import io.smallrye.reactive.messaging.memory.InMemorySource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Plays the agents against a coordinator under test: sends their events on the in-memory agent-events channel
 * and reads what the outbox relayed, with the Kafka topic each record was addressed to.
 */
public final class AgentEventsDriver {

    private final InMemorySource<String> agentEvents;
    private final InMemorySink<String> outbox;

    public AgentEventsDriver(InMemorySource<String> agentEvents, InMemorySink<String> outbox) {
        this.agentEvents = agentEvents;
        this.outbox = outbox;
    }

    /** A heartbeat of an agent serving one store, stamped at {@code at}. */
    public void heartbeat(String agentId, StoreKind kind, String store, List<String> databases, Instant at) {
        heartbeat(agentId, kind, store, databases, at, at.minusSeconds(5), List.of());
    }

    /** A heartbeat of an agent process started at {@code startedAt} that works on {@code activeSteps}. */
    public void heartbeat(
            String agentId,
            StoreKind kind,
            String store,
            List<String> databases,
            Instant at,
            Instant startedAt,
            List<UUID> activeSteps) {
        EventCodec codec = new EventCodec(AgentSources.of(agentId), Clock.fixed(at, ZoneOffset.UTC));
        agentEvents.send(codec.encode(
                EventTypes.AGENT_HEARTBEAT,
                agentId,
                heartbeatOf(agentId, kind, store, databases, startedAt, activeSteps)));
    }

    /**
     * The heartbeat payload of an agent (version {@code test}) serving one store, its process started at
     * {@code startedAt} and working on {@code activeSteps}.
     */
    public static Heartbeat heartbeatOf(
            String agentId,
            StoreKind kind,
            String store,
            List<String> databases,
            Instant startedAt,
            List<UUID> activeSteps) {
        return new Heartbeat(
                agentId,
                kind,
                "test",
                startedAt,
                List.of(new Heartbeat.Store(store, kind, databases, Map.of())),
                activeSteps);
    }

    /**
     * Events are handled in order: once a marker heartbeat sent now is applied, everything before it was too. Then
     * waits until the outbox is empty, so every command or run event those events caused has reached the sink and a
     * check that something was <em>not</em> sent can fail.
     */
    public void drain() {
        String marker = "marker-" + UUID.randomUUID().toString().substring(0, 8);
        heartbeat("agent-" + marker, StoreKind.POSTGRES, marker, List.of("db"), Instant.now());
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        given().get("/api/v1/stores").jsonPath().getList("id").contains(marker));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> QuarkusTransaction.requiringNew().call(() -> OutboxMessage.count()) == 0);
    }

    /**
     * Sends a step event as the agent the step was dispatched to (as the catalog records it), the only agent whose
     * events about the step the coordinator applies; an {@code accepted} event is sent naming that agent.
     */
    public void sendAsStepAgent(String type, Object payload) {
        UUID stepId = stepIdOf(payload);
        String agent = agentOfStep(stepId);
        Object sent = payload instanceof StepEvents.Accepted a
                ? new StepEvents.Accepted(a.runId(), a.stepId(), agent, a.at())
                : payload;
        agentEvents.send(new EventCodec(AgentSources.of(agent)).encode(type, "run", sent));
    }

    /** The codec of the agent a step was dispatched to, to build an event once and send it twice. */
    public static EventCodec codecOfStep(UUID stepId) {
        return new EventCodec(AgentSources.of(agentOfStep(stepId)));
    }

    /** The agent the catalog says a step was dispatched to ({@code unbound} if none). */
    public static String agentOfStep(UUID stepId) {
        String agent = QuarkusTransaction.requiringNew().call(() -> {
            StepEntity step = StepEntity.findById(stepId);
            return step == null ? null : step.agentId;
        });
        return agent == null ? "unbound" : agent;
    }

    private static UUID stepIdOf(Object payload) {
        if (payload instanceof StepEvents.Accepted e) {
            return e.stepId();
        } else if (payload instanceof StepEvents.Progress e) {
            return e.stepId();
        } else if (payload instanceof StepEvents.SnapshotTaken e) {
            return e.stepId();
        } else if (payload instanceof StepEvents.Succeeded e) {
            return e.stepId();
        } else if (payload instanceof StepEvents.Failed e) {
            return e.stepId();
        } else if (payload instanceof StepEvents.LeaseExpired e) {
            return e.stepId();
        }
        throw new IllegalArgumentException("not a step event: " + payload);
    }

    /** The step commands relayed to topics starting with {@code topicPrefix}, in the order they were sent. */
    public List<StepCommand> commands(String topicPrefix) {
        return outbox.received().stream()
                .filter(m -> topic(m).startsWith(topicPrefix))
                .map(m -> EventCodec.decodePayload(m.getPayload(), StepCommand.class))
                .toList();
    }

    public static String topic(Message<String> message) {
        return message.getMetadata(OutgoingKafkaRecordMetadata.class)
                .map(OutgoingKafkaRecordMetadata::getTopic)
                .orElse("");
    }
}
