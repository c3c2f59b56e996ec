package io.lockstep.protocol;

/** What a step asks an agent to do. */
public enum StepAction {
    /** Capture the store (a dump, a bucket copy, a snapshot) into the backup repository. */
    BACKUP,
    /** Re-read an artifact from the repository and check that it is whole and parseable. */
    VERIFY
}
