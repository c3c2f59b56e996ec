package io.lockstep.coordinator.run;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells this coordinator's run watchers (the run event stream, {@code GET /api/v1/runs/{id}/events}) that a run changed
 * here: a watcher asks for the run's next change before it reads the run, and reads it again as soon as that change
 * is committed, instead of at its next fixed interval. Only changes this process commits are signalled (the agent
 * events it applies); a watcher still re-reads the catalog at its interval, for the changes another coordinator
 * applied. A signal carries nothing but "read again", so a missed or extra one costs a late or a needless read, never a
 * wrong view.
 */
@ApplicationScoped
public class RunChanges {

    private final Map<UUID, CompletableFuture<Void>> next = new ConcurrentHashMap<>();

    /**
     * Completes at the run's next change committed by this process. Watchers of one run share it, so each must wait on
     * a {@link CompletableFuture#copy() copy}: a watcher that stops waiting cancels only its own.
     */
    public CompletableFuture<Void> next(UUID runId) {
        return next.compute(
                runId, (id, pending) -> pending == null || pending.isDone() ? new CompletableFuture<>() : pending);
    }

    /** The run changed and the change is committed: its watchers read it again now. */
    public void changed(UUID runId) {
        CompletableFuture<Void> waiting = next.remove(runId);
        if (waiting != null) {
            waiting.complete(null);
        }
    }

    /**
     * A watcher stopped: its pending signal is dropped unless a later watcher took it over (another watcher of the run
     * that still waits on it re-registers at its interval, so the drop costs it at most one interval).
     */
    public void forget(UUID runId, CompletableFuture<Void> signal) {
        next.remove(runId, signal);
    }

    /** Runs with a pending signal (for tests: stopped watchers leave none behind). */
    int watched() {
        return next.size();
    }
}
