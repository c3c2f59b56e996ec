package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.AgentEntity;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.coordinator.catalog.StoreEntity;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;

/**
 * Judges whether a dispatched step is still alive, for {@link RunStateMachine#supervise}: its deadline, the agent's
 * own list of active steps ({@link AgentSteps}), and the heartbeats of the store it works on ({@link AgentLiveness}).
 */
@ApplicationScoped
class StepWatch {

    /**
     * Why a step is lost.
     *
     * @param step what the step records as its error
     * @param run what follows the step's description in the run's error
     */
    record Loss(String step, String run) {}

    private final AgentLiveness liveness;

    StepWatch(AgentLiveness liveness) {
        this.liveness = liveness;
    }

    /** Empty while the step may still end by itself (or has not been dispatched yet). */
    Optional<Loss> check(StepEntity step, Instant now) {
        if (step.state.terminal() || step.state == StepState.PENDING) {
            return Optional.empty();
        }
        if (step.deadline != null && now.isAfter(step.deadline)) {
            return Optional.of(new Loss(
                    "timed out: no result by " + step.deadline,
                    " timed out: no result by its deadline " + step.deadline));
        }
        if (step.agentId != null) {
            AgentEntity agent = AgentEntity.findById(step.agentId);
            Optional<String> gone = AgentSteps.notRunning(step, agent, liveness::readUpTo, liveness.activeStepsGrace());
            if (gone.isPresent()) {
                return Optional.of(new Loss(gone.get(), " was lost: " + gone.get()));
            }
        }
        StoreEntity store = StoreEntity.findById(step.store);
        if (store == null || liveness.silent(store.lastSeen)) {
            return Optional.of(new Loss(
                    "agent went silent",
                    " lost its agent: "
                            + (store == null
                                    ? "the store is no longer announced"
                                    : store.agentId + " sent no heartbeat since " + store.lastSeen)));
        }
        return Optional.empty();
    }
}
