package io.lockstep.coordinator.messaging;

import io.lockstep.coordinator.catalog.AgentEntity;
import io.lockstep.coordinator.catalog.Json;
import io.lockstep.coordinator.catalog.ProcessedEvent;
import io.lockstep.coordinator.catalog.StoreEntity;
import io.lockstep.coordinator.run.RunStateMachine;
import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.MalformedEventException;
import io.lockstep.protocol.StepEvents;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jboss.logging.Logger;

/**
 * Applies one agent event in one transaction. Step events are recorded by id in {@code processed_events} in
 * the same transaction, so a replayed event is a no-op. Heartbeats are idempotent by nature (an upsert that
 * never moves {@code last_seen} backwards) and are not recorded.
 */
@ApplicationScoped
public class AgentEventHandler {

    private static final Logger LOG = Logger.getLogger(AgentEventHandler.class);

    private final RunStateMachine machine;
    private final EntityManager em;

    @Inject
    AgentEventHandler(RunStateMachine machine, EntityManager em) {
        this.machine = machine;
        this.em = em;
    }

    /** @return false when the event was a replay and nothing changed */
    @Transactional
    public boolean handle(CloudEvent event) {
        if (EventTypes.AGENT_HEARTBEAT.equals(event.type())) {
            heartbeat(EventCodec.payload(event, Heartbeat.class), event.time());
            return true;
        }
        if (ProcessedEvent.findById(event.id()) != null) {
            LOG.debugf("event %s already handled; replay ignored", event.id());
            return false;
        }
        ProcessedEvent processed = new ProcessedEvent();
        processed.eventId = event.id();
        processed.type = event.type();
        processed.processedAt = Instant.now();
        processed.persist();
        switch (event.type()) {
            case EventTypes.STEP_ACCEPTED -> machine.onAccepted(EventCodec.payload(event, StepEvents.Accepted.class));
            case EventTypes.STEP_PROGRESS -> machine.onProgress(EventCodec.payload(event, StepEvents.Progress.class));
            case EventTypes.STEP_SNAPSHOT_TAKEN ->
                machine.onSnapshotTaken(EventCodec.payload(event, StepEvents.SnapshotTaken.class));
            case EventTypes.STEP_SUCCEEDED ->
                machine.onSucceeded(EventCodec.payload(event, StepEvents.Succeeded.class));
            case EventTypes.STEP_FAILED -> machine.onFailed(EventCodec.payload(event, StepEvents.Failed.class));
            case EventTypes.STORE_RESUMED ->
                machine.onLeaseExpired(EventCodec.payload(event, StepEvents.LeaseExpired.class));
            default ->
                throw new MalformedEventException(
                        "event type " + event.type() + " does not belong on the " + "agent-events topic");
        }
        return true;
    }

    private void heartbeat(Heartbeat beat, Instant sentAt) {
        if (beat.agentId() == null || beat.agentId().isBlank() || beat.kind() == null) {
            throw new MalformedEventException("heartbeat without agentId or kind");
        }
        Instant seen = sentAt == null ? Instant.now() : sentAt;
        AgentEntity agent = AgentEntity.findById(beat.agentId());
        // The catalog keeps microseconds; compare at that precision so an unchanged start time stays equal.
        Instant startedAt = beat.startedAt() == null ? null : beat.startedAt().truncatedTo(ChronoUnit.MICROS);
        boolean restarted =
                agent != null && startedAt != null && agent.startedAt != null && startedAt.isAfter(agent.startedAt);
        if (agent == null) {
            agent = new AgentEntity();
            agent.id = beat.agentId();
            LOG.infof(
                    "agent %s (%s) announced stores %s",
                    beat.agentId(),
                    beat.kind(),
                    beat.stores().stream().map(Heartbeat.Store::id).toList());
        } else if (agent.lastSeen != null && seen.isBefore(agent.lastSeen)) {
            return; // an older heartbeat delivered late
        }
        agent.kind = beat.kind().name();
        agent.version = beat.version();
        agent.startedAt = startedAt;
        agent.lastSeen = seen;
        agent.activeSteps = Json.write(beat.activeSteps());
        agent.persist();
        em.flush();
        for (Heartbeat.Store announced : beat.stores()) {
            StoreEntity store = StoreEntity.findById(announced.id());
            if (store == null) {
                store = new StoreEntity();
                store.id = announced.id();
            } else if (!store.agentId.equals(beat.agentId()) && store.lastSeen.isAfter(seen.minusSeconds(60))) {
                LOG.warnf(
                        "store %s is announced by both %s and %s; the latest heartbeat wins",
                        announced.id(), store.agentId, beat.agentId());
            }
            store.kind = announced.kind() == null
                    ? beat.kind().name()
                    : announced.kind().name();
            store.agentId = beat.agentId();
            store.databases = Json.write(announced.databases());
            store.attributes = Json.write(announced.attributes());
            store.lastSeen = seen;
            store.persist();
        }
        if (restarted) {
            LOG.warnf("agent %s restarted at %s", beat.agentId(), beat.startedAt());
            machine.onAgentRestarted(beat.agentId(), startedAt, beat.activeSteps());
        }
    }
}
