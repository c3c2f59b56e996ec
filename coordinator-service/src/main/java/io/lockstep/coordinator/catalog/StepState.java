package io.lockstep.coordinator.catalog;

/** The life of one step: PENDING, DISPATCHED, RUNNING, then SUCCEEDED, FAILED or CANCELLED. */
public enum StepState {
    /** Created, its command not yet written. */
    PENDING,
    /** Its command is in the outbox or on Kafka. */
    DISPATCHED,
    /** The agent accepted it. */
    RUNNING,
    SUCCEEDED,
    FAILED,
    /** The run ended before this step could finish. */
    CANCELLED;

    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
