package io.lockstep.agent.core.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Every child process's end is counted once, by program and outcome: exit 0, another exit code, or killed. */
class ProcessMetersTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ProcessMeters meters = new ProcessMeters(registry);

    @Test
    void exitsAreCountedByProgramAndOutcome() throws Exception {
        ChildProcess.onExit(meters::record);
        run(List.of("/bin/true"), false);
        run(List.of("/bin/true"), false);
        run(List.of("/bin/false"), false);
        run(List.of("/bin/sleep", "30"), true);

        assertEquals(2.0, awaitCount("true", "ok", 2));
        assertEquals(1.0, awaitCount("false", "error", 1));
        assertEquals(1.0, awaitCount("sleep", "killed", 1));
    }

    private static void run(List<String> command, boolean kill) throws Exception {
        try (ChildProcess p = ChildProcess.start(command, Map.of(), List.of())) {
            if (kill) {
                p.kill();
            }
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The counter's value once it reached {@code expected} (its exit is recorded on the process's exit, async). */
    private double awaitCount(String program, String outcome, double expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        double count = 0;
        while (System.nanoTime() < deadline) {
            Counter c = registry.find(ProcessMeters.EXITS)
                    .tags("program", program, "outcome", outcome)
                    .counter();
            count = c == null ? 0 : c.count();
            if (count >= expected) {
                return count;
            }
            Thread.onSpinWait();
        }
        return count;
    }
}
