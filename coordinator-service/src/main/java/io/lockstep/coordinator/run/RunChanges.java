package io.lockstep.coordinator.run;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells this coordinator's run watchers (the run event stream, {@code GET /api/v1/runs/{id}/events}) that a run ended
 * here: a watcher asks for the signal before it reads the run, and reads it again as soon as the transaction that ended
 * the run committed, instead of at its next interval. So {@code lockstep backup --wait} and {@code runs watch} return
 * when the run ends, not up to an interval later. Other changes (a step's progress) are seen at the interval: reading
 * the run again after every event it applies cost a run about 50 ms under one watcher (two script runs of
 * bench/tiny-plan.sh). A run that another coordinator ended is seen at the interval too. A signal carries nothing but
 * "read again", so a missed or an extra one costs a late or a needless read, never a wrong view.
 */
@ApplicationScoped
public class RunChanges {

    private final Map<UUID, CompletableFuture<Void>> next = new ConcurrentHashMap<>();

    /**
     * Completes when this process commits the run's end. Watchers of one run share it, so each must wait on a
     * {@link CompletableFuture#copy() copy}: a watcher that stops waiting cancels only its own.
     */
    public CompletableFuture<Void> next(UUID runId) {
        return next.compute(
                runId, (id, pending) -> pending == null || pending.isDone() ? new CompletableFuture<>() : pending);
    }

    void onRunEnded(@Observes(during = TransactionPhase.AFTER_SUCCESS) RunEnded ended) {
        changed(ended.run().id);
    }

    /** The run changed and the change is committed: its watchers read it again now. */
    void changed(UUID runId) {
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
