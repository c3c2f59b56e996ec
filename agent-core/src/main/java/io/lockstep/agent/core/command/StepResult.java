package io.lockstep.agent.core.command;

import java.util.Map;

/**
 * The outcome of a successful step.
 *
 * @param bytes bytes written or read
 * @param sha256 SHA-256 of the artifact's stored bytes
 * @param artifact the repository key
 * @param evidence further facts for the coordinator (counts, versions, ...)
 */
public record StepResult(long bytes, String sha256, String artifact, Map<String, String> evidence) {

    public StepResult {
        evidence = evidence == null ? Map.of() : Map.copyOf(evidence);
    }
}
