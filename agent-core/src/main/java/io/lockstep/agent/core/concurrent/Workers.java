package io.lockstep.agent.core.concurrent;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Worker pools of a step. A step must not be reported ended while its workers still write: a drill's scratch prefix
 * dropped after its restore failed would otherwise get the objects of copies still in flight. {@link #stop}
 * interrupts the workers and waits for them to return.
 */
public final class Workers {

    private static final Logger LOG = Logger.getLogger(Workers.class);

    /** How long {@link #stop} waits for workers that ignore the interrupt (an HTTP request in flight). */
    public static final Duration STOP_WAIT = Duration.ofSeconds(60);

    private Workers() {}

    /** A fixed pool of daemon threads named {@code name-N}. */
    public static ExecutorService start(String name, int concurrency) {
        AtomicInteger n = new AtomicInteger();
        return Executors.newFixedThreadPool(Math.max(1, concurrency), r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Interrupts the workers and waits until every one has returned (at most {@link #STOP_WAIT}); returns whether
     * they all did. Keeps the caller's interrupt status.
     */
    public static boolean stop(ExecutorService workers) {
        workers.shutdownNow();
        boolean interrupted = Thread.interrupted();
        try {
            boolean stopped = workers.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (!stopped) {
                LOG.warnf("workers still running %s after being stopped", STOP_WAIT);
            }
            return stopped;
        } catch (InterruptedException e) {
            interrupted = true;
            return false;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
