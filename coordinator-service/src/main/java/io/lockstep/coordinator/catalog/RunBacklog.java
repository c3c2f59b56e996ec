package io.lockstep.coordinator.catalog;

import io.quarkus.narayana.jta.QuarkusTransaction;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Runs waiting for something to be written to the repository for them (their run.json, a status record), worked
 * through page after page within one scheduler tick. Each run is tried at most once per tick; a run whose write fails
 * is left for the next tick and never holds up the runs after it (before, the first failure ended the tick, so one run
 * that could not be written kept every later one waiting for ever).
 */
public final class RunBacklog {

    private RunBacklog() {}

    /**
     * @param what what is written, for the log
     * @param query the runs waiting, as a Panache query on {@link RunEntity} with its order
     * @param page how many runs are read at a time
     * @param limit how long the tick may go on; also at most 20 pages are tried
     * @param write writes one run's item (in its own transactions); a {@link RuntimeException} means not yet
     * @return how many runs were written
     */
    public static int drain(String what, String query, int page, Duration limit, Consumer<UUID> write, Logger log) {
        long until = System.nanoTime() + limit.toNanos();
        Set<UUID> tried = new HashSet<>();
        int written = 0;
        while (System.nanoTime() < until && tried.size() < 20 * page) {
            int size = page + tried.size();
            List<UUID> pending = QuarkusTransaction.requiringNew()
                    .call(() -> RunEntity.<RunEntity>find(query).page(0, size).list().stream()
                            .map(r -> r.id)
                            .filter(id -> !tried.contains(id))
                            .toList());
            if (pending.isEmpty()) {
                return written;
            }
            for (UUID id : pending) {
                tried.add(id);
                try {
                    write.accept(id);
                    written++;
                } catch (RuntimeException e) {
                    log.warnf("%s of run %s not written yet (will retry): %s", what, id, e.getMessage());
                }
            }
        }
        return written;
    }
}
