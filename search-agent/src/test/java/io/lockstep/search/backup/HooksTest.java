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

    private final Hooks hooks = new Hooks(new SearchAgentConfig() {
        @Override
        public Map<String, Store> stores() {
            return Map.of();
        }

        @Override
        public Duration hookTimeout() {
            return Duration.ofSeconds(10);
        }
    });

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
}
