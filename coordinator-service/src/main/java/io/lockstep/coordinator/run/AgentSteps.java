package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.AgentEntity;
import io.lockstep.coordinator.catalog.Json;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Compares what the catalog has RUNNING on an agent with what the agent's newest heartbeat says it is working on
 * ({@code activeSteps}). A step the heartbeat does not list is no longer running on the agent, and fails at once
 * instead of waiting for the liveness window (the agent is alive) or the step deadline.
 * <p>
 * A heartbeat is trusted only when it cannot race an event about the step:
 * <ul>
 *   <li>the agent emits {@code accepted} after it registered the step, but a heartbeat built just before may arrive
 *       after it: a step accepted less than the grace before the heartbeat is not judged (unless the heartbeat is from
 *       a newer process, which cannot know the step at all);
 *   <li>the agent removes a step from its list only after Kafka acknowledged its {@code succeeded} or {@code failed},
 *       but those are keyed by run and heartbeats by agent, so they may be read in any order: a heartbeat is judged
 *       only once the coordinator has read every agent event sent up to it ({@link AgentLiveness#readUpTo}), so an
 *       outcome sent before it is already applied and the step is no longer RUNNING.
 * </ul>
 */
final class AgentSteps {

    private AgentSteps() {}

    /** The ids a heartbeat listed, as stored on the agent. */
    static List<UUID> listed(AgentEntity agent) {
        return Json.readList(agent.activeSteps).stream().map(UUID::fromString).toList();
    }

    /**
     * Why a RUNNING step is not running on its agent any more, judged by the agent's newest heartbeat; empty when it
     * is (or when the heartbeat cannot tell yet).
     *
     * @param readUpTo whether the coordinator has read every agent event sent up to an instant
     */
    static Optional<String> notRunning(
            StepEntity step, AgentEntity agent, java.util.function.Predicate<Instant> readUpTo, Duration grace) {
        if (step.state != StepState.RUNNING
                || step.agentId == null
                || step.acceptedAt == null
                || agent == null
                || !agent.id.equals(step.agentId)
                || agent.lastSeen == null) {
            return Optional.empty();
        }
        if (listed(agent).contains(step.id) || !readUpTo.test(agent.lastSeen)) {
            return Optional.empty();
        }
        boolean newerProcess = agent.startedAt != null && step.acceptedAt.isBefore(agent.startedAt);
        if (newerProcess) {
            return Optional.of(restarted(agent.id, agent.startedAt));
        }
        if (agent.lastSeen.isBefore(step.acceptedAt.plus(grace))) {
            return Optional.empty();
        }
        return Optional.of("agent " + agent.id + " no longer runs it: its heartbeat of " + agent.lastSeen
                + " does not list the step it accepted at " + step.acceptedAt);
    }

    /** The reason a step fails when its agent restarted. */
    static String restarted(String agentId, Instant startedAt) {
        return "agent " + agentId + " restarted at " + startedAt + "; step was not running on it";
    }
}
