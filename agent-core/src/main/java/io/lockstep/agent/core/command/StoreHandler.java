package io.lockstep.agent.core.command;

import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StoreKind;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

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

    /**
     * Stops writes to a store (search stores: index write blocks and the indexer's pause hook). agent-core
     * holds the quiesce as a lease and calls {@link #resume(String)} by itself if the lease runs out.
     *
     * @return evidence for the coordinator
     */
    default Map<String, String> quiesce(String store) throws StepFailure {
        throw new StepFailure(kind() + " stores cannot be quiesced");
    }

    /** Whether {@code store} can be quiesced (and so must be resumed if a quiesce outlived its lease). */
    default boolean quiescable(String store) {
        return false;
    }

    /** Undoes {@link #quiesce(String)}; must be safe to call more than once. */
    default Map<String, String> resume(String store) throws StepFailure {
        throw new StepFailure(kind() + " stores cannot be resumed");
    }

    /**
     * The heartbeat entries of configured stores, sorted by id: what each implementation of {@link #stores()} returns.
     *
     * @param databases the databases a store holds (empty where the kind has none)
     * @param attributes what the store shows operators; never a secret
     */
    static <S> List<Heartbeat.Store> announce(
            Map<String, S> stores,
            StoreKind kind,
            Function<S, List<String>> databases,
            Function<S, Map<String, String>> attributes) {
        return stores.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> new Heartbeat.Store(
                        e.getKey(), kind, databases.apply(e.getValue()), attributes.apply(e.getValue())))
                .toList();
    }
}
