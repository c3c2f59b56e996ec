package io.lockstep.protocol;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A command to an agent: do one step of a run against one store.
 *
 * @param runId the run the step belongs to
 * @param stepId unique id of the step; every event about the step carries it
 * @param plan the plan name, used for the artifact layout
 * @param store the store id the agent must serve
 * @param action what to do
 * @param database for PostgreSQL stores, the database this step covers
 * @param artifact the repository key to write (BACKUP) or read (VERIFY), relative to the repository prefix
 * @param expectedSha256 for VERIFY, the SHA-256 recorded when the artifact was written
 * @param deadline the agent ignores a command received after it, and gives up on the step at it
 */
public record StepCommand(
        UUID runId,
        UUID stepId,
        String plan,
        String store,
        StepAction action,
        String database,
        String artifact,
        String expectedSha256,
        Instant deadline) {

    public StepCommand {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(stepId, "stepId");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(deadline, "deadline");
    }
}
