package io.lockstep.agent.core.command;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class CommandLoopRedeliveryTest {

    @Test
    void aBackupWhoseRunArtifactExistsIsRefusedWithTheReason() {
        String dump = "runs/p/r/app/shop.dump";
        StepFailure e =
                assertThrows(StepFailure.class, () -> CommandLoop.refuseIfWritten(dump, Set.of(dump)::contains));
        assertTrue(e.getMessage().contains("already in the repository"), e.getMessage());
    }

    @Test
    void aBackupWithoutItsArtifactYetOrOutsideRunsRuns() {
        assertDoesNotThrow(() -> CommandLoop.refuseIfWritten("runs/p/r/app/shop.dump", k -> false));
        assertDoesNotThrow(() -> CommandLoop.refuseIfWritten("search/es/", k -> true));
        assertDoesNotThrow(() -> CommandLoop.refuseIfWritten(null, k -> true));
    }
}
