package io.lockstep.search.backup;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.search.config.SearchAgentConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HooksTest {

    private final Hooks hooks = hooks(Duration.ofSeconds(10));

    private static Hooks hooks(Duration timeout) {
        return new Hooks(new SearchAgentConfig() {
            @Override
            public Map<String, Store> stores() {
                return Map.of();
            }

            @Override
            public Duration hookTimeout() {
                return timeout;
            }
        });
    }

    @Test
    void aStoreWithoutHooksIsQuiescedWithoutCallingAnything() {
        assertDoesNotThrow(() -> hooks.call("quiesce", Optional.empty(), Optional.empty()));
    }

    @Test
    void aCommandHookThatExitsZeroSucceeds() {
        assertDoesNotThrow(() -> hooks.call("quiesce", Optional.empty(), Optional.of("  true  ")));
    }

    @Test
    void aCommandHookThatFailsFailsTheStepNamingTheHook() {
        StepFailure failure =
                assertThrows(StepFailure.class, () -> hooks.call("resume", Optional.empty(), Optional.of("false")));
        assertTrue(failure.getMessage().startsWith("resume hook failed"), failure.getMessage());
    }

    @Test
    void aCommandHookIsSplitOnSpacesAndRunWithoutAShell() {
        // With a shell, "exit 0" would succeed; without one there is no program called "exit".
        StepFailure failure =
                assertThrows(StepFailure.class, () -> hooks.call("quiesce", Optional.empty(), Optional.of("exit 0")));
        assertTrue(failure.getMessage().startsWith("quiesce hook failed"), failure.getMessage());
    }

    @Test
    void aCommandHookThatOutlivesItsTimeoutIsKilledEvenWithStdoutOpen() {
        // sleep keeps the hook's stdout open for 30 s: the timeout, not the end of stdout, must end the hook.
        long started = System.nanoTime();
        StepFailure failure = assertThrows(
                StepFailure.class,
                () -> hooks(Duration.ofMillis(500)).call("resume", Optional.empty(), Optional.of("sleep 30")));
        long took = Duration.ofNanos(System.nanoTime() - started).toMillis();
        assertTrue(took < 5_000, "the hook was bounded by its timeout, took " + took + " ms");
        assertTrue(failure.getMessage().contains("did not finish within 500 ms"), failure.getMessage());
    }
}
