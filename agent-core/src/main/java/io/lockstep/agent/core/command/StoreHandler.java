package io.lockstep.agent.core.command;

import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StoreKind;
import java.util.List;

/**
 * The one thing each agent implements: the logic of its own kind of store. agent-core does the rest
 * (command loop, deadlines, heartbeats, events, the repository).
 */
public interface StoreHandler {

    StoreKind kind();

    /** The stores this agent serves, as announced in heartbeats (no secrets). */
    List<Heartbeat.Store> stores();

    /**
     * Runs one step on a worker thread. Return the result on success; throw {@link StepFailure} with a
     * readable reason (no secret) otherwise. Check {@link StepContext#cancelled()} in long loops and register
     * cleanup with {@link StepContext#onCancel(Runnable)}.
     */
    StepResult execute(StepCommand command, StepContext context) throws StepFailure;
}
