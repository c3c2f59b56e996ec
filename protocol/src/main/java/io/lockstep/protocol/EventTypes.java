package io.lockstep.protocol;

/**
 * CloudEvents {@code type} values. Each names exactly one payload record; see {@link #payloadOf(String)}.
 */
public final class EventTypes {

    public static final String PREFIX = "io.lockstep.";

    // Commands (lockstep.commands.*)
    public static final String STEP_COMMAND = "io.lockstep.command.step";

    // Agent events (lockstep.agent-events)
    public static final String AGENT_HEARTBEAT = "io.lockstep.agent.heartbeat";
    public static final String STEP_ACCEPTED = "io.lockstep.step.accepted";
    public static final String STEP_PROGRESS = "io.lockstep.step.progress";
    public static final String STEP_SNAPSHOT_TAKEN = "io.lockstep.step.snapshot-taken";
    public static final String STEP_SUCCEEDED = "io.lockstep.step.succeeded";
    public static final String STEP_FAILED = "io.lockstep.step.failed";
    /** A search store resumed indexing by itself because its quiesce lease ran out. */
    public static final String STORE_RESUMED = "io.lockstep.store.resumed";

    // Run events (lockstep.run-events)
    public static final String RUN_STARTED = "io.lockstep.run.started";
    public static final String RUN_CONSISTENT = "io.lockstep.run.consistent";
    public static final String RUN_FAILED = "io.lockstep.run.failed";

    private EventTypes() {
    }

    /** The payload record carried by events of the given type, or null for an unknown type. */
    public static Class<?> payloadOf(String type) {
        if (type == null) {
            return null;
        }
        return switch (type) {
            case STEP_COMMAND -> StepCommand.class;
            case AGENT_HEARTBEAT -> Heartbeat.class;
            case STEP_ACCEPTED -> StepEvents.Accepted.class;
            case STEP_PROGRESS -> StepEvents.Progress.class;
            case STEP_SNAPSHOT_TAKEN -> StepEvents.SnapshotTaken.class;
            case STEP_SUCCEEDED -> StepEvents.Succeeded.class;
            case STEP_FAILED -> StepEvents.Failed.class;
            case STORE_RESUMED -> StepEvents.LeaseExpired.class;
            case RUN_STARTED, RUN_CONSISTENT, RUN_FAILED -> RunEvent.class;
            default -> null;
        };
    }
}
