package io.lockstep.coordinator.messaging;

import io.lockstep.coordinator.audit.AuditEntry;
import io.lockstep.coordinator.audit.AuditLog;
import io.lockstep.coordinator.catalog.AgentEntity;
import io.lockstep.coordinator.catalog.Json;
import io.lockstep.coordinator.catalog.ProcessedEvent;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StoreEntity;
import io.lockstep.coordinator.run.RunStateMachine;
import io.lockstep.protocol.AgentSources;
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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Applies one agent event in one transaction. Step events are recorded by id in {@code processed_events} in
 * the same transaction, so a replayed event is a no-op. Heartbeats are idempotent by nature (an upsert that
 * never moves {@code last_seen} backwards) and are not recorded.
 *
 * <p>An event speaks only for its sender, the agent its CloudEvents source names ({@link AgentSources}): a step event
 * from an agent other than the one the step was dispatched to, and a heartbeat that claims a store another known agent
 * serves, are refused (not applied), logged at WARN and written to the audit log. A store changes hands only when an
 * operator forgets its agent ({@code DELETE /api/v1/agents/{id}}).
 */
@ApplicationScoped
public class AgentEventHandler {

    private static final Logger LOG = Logger.getLogger(AgentEventHandler.class);
    /** The method audit entries of refused agent events carry (API calls carry their HTTP method). */
    public static final String AUDIT_METHOD = "EVENT";

    private static final int REMEMBERED_CONFLICTS = 1000;

    private final RunStateMachine machine;
    private final EntityManager em;
    private final AuditLog audit;
    private final AgentKeys keys;

    /**
     * Heartbeats already refused (a store claimed by a second agent, by store, claimant and the claimant's start; a
     * heartbeat sent in another agent's name, by source, agent and start): each is logged at WARN and audited once,
     * not on every heartbeat.
     */
    private final Set<String> refusedClaims =
            Collections.synchronizedSet(Collections.newSetFromMap(new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > REMEMBERED_CONFLICTS;
                }
            }));

    @Inject
    AgentEventHandler(RunStateMachine machine, EntityManager em, AuditLog audit, AgentKeys keys) {
        this.machine = machine;
        this.em = em;
        this.audit = audit;
        this.keys = keys;
    }

    /** @return false when the event was a replay or was refused, and nothing changed */
    @Transactional
    public boolean handle(CloudEvent event) {
        String sender = AgentSources.agentOf(event.source()).orElse(null);
        String unauthentic = keys.refusal(event, sender);
        if (unauthentic != null) {
            refuseUnauthentic(event, sender, unauthentic);
            return false;
        }
        if (EventTypes.AGENT_HEARTBEAT.equals(event.type())) {
            Heartbeat beat = EventCodec.payload(event, Heartbeat.class);
            if (beat.agentId() == null || beat.agentId().isBlank() || beat.kind() == null) {
                throw new MalformedEventException("heartbeat without agentId or kind");
            }
            if (!beat.agentId().equals(sender)) {
                // Logged and audited once per sender and agent life, not on every heartbeat.
                if (refusedClaims.add(event.source() + '\n' + beat.agentId() + '\n' + beat.startedAt())) {
                    refuse(event, sender, "agent", beat.agentId(), "a heartbeat of agent " + beat.agentId());
                }
                return false;
            }
            heartbeat(beat, event.time());
            return true;
        }
        if (ProcessedEvent.findById(event.id()) != null) {
            LOG.debugf("event %s already handled; replay ignored", event.id());
            return false;
        }
        Runnable apply = switch (event.type()) {
            case EventTypes.STEP_ACCEPTED -> {
                var accepted = EventCodec.payload(event, StepEvents.Accepted.class);
                yield fromStepAgent(event, sender, accepted.runId(), accepted.stepId(), accepted.agentId())
                        ? () -> machine.onAccepted(accepted)
                        : null;
            }
            case EventTypes.STEP_PROGRESS -> {
                var progress = EventCodec.payload(event, StepEvents.Progress.class);
                yield fromStepAgent(event, sender, progress.runId(), progress.stepId(), null)
                        ? () -> machine.onProgress(progress)
                        : null;
            }
            case EventTypes.STEP_SNAPSHOT_TAKEN -> {
                var taken = EventCodec.payload(event, StepEvents.SnapshotTaken.class);
                yield fromStepAgent(event, sender, taken.runId(), taken.stepId(), null)
                        ? () -> machine.onSnapshotTaken(taken)
                        : null;
            }
            case EventTypes.STEP_SUCCEEDED -> {
                var succeeded = EventCodec.payload(event, StepEvents.Succeeded.class);
                yield fromStepAgent(event, sender, succeeded.runId(), succeeded.stepId(), null)
                        ? () -> machine.onSucceeded(succeeded)
                        : null;
            }
            case EventTypes.STEP_FAILED -> {
                var failed = EventCodec.payload(event, StepEvents.Failed.class);
                yield fromStepAgent(event, sender, failed.runId(), failed.stepId(), null)
                        ? () -> machine.onFailed(failed)
                        : null;
            }
            case EventTypes.STORE_RESUMED -> {
                var resumed = EventCodec.payload(event, StepEvents.LeaseExpired.class);
                yield fromStoreAgent(event, sender, resumed) ? () -> machine.onLeaseExpired(resumed) : null;
            }
            default ->
                throw new MalformedEventException(
                        "event type " + event.type() + " does not belong on the agent-events topic");
        };
        if (apply == null) {
            return false;
        }
        ProcessedEvent processed = new ProcessedEvent();
        processed.eventId = event.id();
        processed.type = event.type();
        processed.processedAt = Instant.now();
        processed.persist();
        apply.run();
        return true;
    }

    /**
     * Whether a step event comes from the agent the step was dispatched to. A step the catalog does not know, or one
     * dispatched while no agent served its store, is left to the state machine (which ignores the one and binds the
     * other to the agent that accepts it).
     */
    private boolean fromStepAgent(CloudEvent event, String sender, UUID runId, UUID stepId, String claimedAgent) {
        String about = "step " + stepId + " of run " + runId;
        if (claimedAgent != null && !claimedAgent.equals(sender)) {
            refuse(event, sender, "run", String.valueOf(runId), about + " in the name of agent " + claimedAgent);
            return false;
        }
        StepEntity step = stepId == null ? null : StepEntity.findById(stepId);
        if (step == null || step.agentId == null || step.agentId.equals(sender)) {
            return true;
        }
        refuse(event, sender, "run", String.valueOf(runId), about + ", which was dispatched to agent " + step.agentId);
        return false;
    }

    /** Whether a store's lease report comes from the agent of its quiesce step, or else the store's agent. */
    private boolean fromStoreAgent(CloudEvent event, String sender, StepEvents.LeaseExpired resumed) {
        if (resumed.agentId() != null && !resumed.agentId().equals(sender)) {
            refuse(
                    event,
                    sender,
                    "run",
                    String.valueOf(resumed.runId()),
                    "store " + resumed.store() + " in the name of agent " + resumed.agentId());
            return false;
        }
        StepEntity step = resumed.stepId() == null ? null : StepEntity.findById(resumed.stepId());
        String owner;
        if (step != null) {
            owner = step.agentId;
        } else {
            StoreEntity store = resumed.store() == null ? null : StoreEntity.findById(resumed.store());
            owner = store == null ? null : store.agentId;
        }
        if (owner == null || owner.equals(sender)) {
            return true;
        }
        refuse(
                event,
                sender,
                "run",
                String.valueOf(resumed.runId()),
                "store " + resumed.store() + ", which agent " + owner + " serves");
        return false;
    }

    /**
     * Logs and audits an event whose signature does not show that its sender sent it ({@link AgentKeys}); a heartbeat
     * once per source, reason and agent life, as a refused claim.
     */
    private void refuseUnauthentic(CloudEvent event, String sender, String reason) {
        boolean heartbeat = EventTypes.AGENT_HEARTBEAT.equals(event.type());
        if (heartbeat
                && !refusedClaims.add(
                        event.source() + '\n' + reason + '\n' + event.data().path("startedAt"))) {
            return;
        }
        String about = heartbeat ? "agent" : "run";
        String target = heartbeat && sender != null ? sender : event.subject();
        refuse(event, sender, about, target, about + " " + target + ": " + reason);
    }

    /** Logs and audits an event that was not applied because its sender may not speak for what it is about. */
    private void refuse(CloudEvent event, String sender, String targetKind, String targetId, String about) {
        String from = sender == null ? "a sender that is no agent (source " + event.source() + ")" : "agent " + sender;
        String detail = "refused " + event.type() + " event " + event.id() + " from " + from + " about " + about;
        LOG.warn(detail);
        record(sender, event.type(), 403, targetKind, targetId, detail);
    }

    private void record(String sender, String type, int status, String targetKind, String targetId, String detail) {
        AuditEntry entry = new AuditEntry();
        entry.at = Instant.now().truncatedTo(ChronoUnit.MICROS);
        entry.subject = sender == null ? "(not an agent)" : "agent:" + sender;
        entry.method = AUDIT_METHOD;
        entry.path = type;
        entry.status = status;
        entry.targetKind = targetKind;
        entry.targetId = targetId;
        entry.detail = detail.length() <= 1000 ? detail : detail.substring(0, 1000);
        try {
            audit.record(entry);
        } catch (RuntimeException e) {
            LOG.errorf(e, "could not record the audit entry: %s", detail);
        }
    }

    private void heartbeat(Heartbeat beat, Instant sentAt) {
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
            } else if (!store.agentId.equals(beat.agentId())) {
                if (AgentEntity.findById(store.agentId) != null) {
                    refuseClaim(beat, store);
                    continue;
                }
                LOG.infof(
                        "store %s moves from agent %s, which the catalog no longer knows, to %s",
                        store.id, store.agentId, beat.agentId());
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

    /**
     * A second agent announces a store that a known agent serves: it is not registered for it. Logged and audited
     * once per store and claimant's life; the operator decides by forgetting one of the agents.
     */
    private void refuseClaim(Heartbeat beat, StoreEntity store) {
        if (!refusedClaims.add(store.id + '\n' + beat.agentId() + '\n' + beat.startedAt())) {
            LOG.debugf("store %s: claim of agent %s refused again", store.id, beat.agentId());
            return;
        }
        String detail = "agent " + beat.agentId() + " announces store " + store.id + ", which agent " + store.agentId
                + " serves: refused; the store stays with " + store.agentId
                + " unless an operator forgets that agent (DELETE /api/v1/agents/" + store.agentId + ")";
        LOG.warn(detail);
        record(beat.agentId(), EventTypes.AGENT_HEARTBEAT, 409, "store", store.id, detail);
    }
}
