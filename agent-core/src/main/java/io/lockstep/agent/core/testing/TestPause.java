package io.lockstep.agent.core.testing;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * TEST ONLY: lets the fault tests ({@code system-tests}, {@code *FaultIT}) hold an agent at a named point so they can
 * kill a process or stop the broker at an exact moment. Off unless {@code lockstep.test.pause-at} names a point; never
 * set it in production. Each named point pauses once per process, for {@code lockstep.test.pause-for} (30 s), and
 * logs {@code TEST PAUSE at <point>} when it starts.
 *
 * <p>Points: {@code mid-upload} (a step's first progress report: a multipart upload is open, a part sent);
 * {@code restore-connections-refused} (postgres-agent, an in-place restore's swap: the live database refuses
 * connections, nothing renamed yet); {@code restore-renamed-aside} (inside the swap's rename transaction, the live
 * database renamed aside, the restored one not yet renamed in); {@code search-restore-live-deleted} (search-agent,
 * an in-place restore: the restored copy verified under its temporary name, the live index deleted, not yet cloned
 * back).
 */
public final class TestPause {

    private static final Logger LOG = Logger.getLogger(TestPause.class);
    private static final Set<String> FIRED = ConcurrentHashMap.newKeySet();

    private TestPause() {}

    public static void at(String point) {
        at(point, () -> false);
    }

    /**
     * Like {@link #at(String)}, but the pause ends early once {@code released} says so (the step was cancelled), as a
     * step blocked on a child process's output is released when a cancel kills the process.
     */
    public static void at(String point, java.util.function.BooleanSupplier released) {
        var config = ConfigProvider.getConfig();
        String wanted =
                config.getOptionalValue("lockstep.test.pause-at", String.class).orElse("");
        if (wanted.isEmpty() || !wanted.equals(point) || !FIRED.add(point)) {
            return;
        }
        Duration pause = config.getOptionalValue("lockstep.test.pause-for", Duration.class)
                .orElse(Duration.ofSeconds(30));
        LOG.warnf("TEST PAUSE at %s for %s (lockstep.test.pause-at is a test-only setting)", point, pause);
        long end = System.nanoTime() + pause.toNanos();
        try {
            while (System.nanoTime() < end && !released.getAsBoolean()) {
                Thread.sleep(Math.min(100, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.warnf("TEST PAUSE at %s over", point);
    }
}
