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
    /** An operator cancelled a backup before it ended. */
    public static final String RUN_CANCELLED = "io.lockstep.run.cancelled";
    /** A backup passed its restore drill and is marked verified. */
    public static final String RUN_VERIFIED = "io.lockstep.run.verified";
    /** A backup's restore drill failed; the backup is not restorable as recorded. */
    public static final String RUN_VERIFICATION_FAILED = "io.lockstep.run.verification-failed";
    /** Retention expired a run and deleted its artifacts. */
    public static final String RUN_EXPIRED = "io.lockstep.run.expired";
    /** A restore (in place or into new targets) or a restore drill started, succeeded or failed. */
    public static final String RESTORE_STARTED = "io.lockstep.restore.started";

    public static final String RESTORE_SUCCEEDED = "io.lockstep.restore.succeeded";
    public static final String RESTORE_FAILED = "io.lockstep.restore.failed";
    /** A scheduled backup was not started because the plan's previous run was still going. */
    public static final String RUN_SKIPPED = "io.lockstep.run.skipped";
    /** A scheduled plan has had no CONSISTENT run for longer than its staleness limit. */
    public static final String PLAN_STALE = "io.lockstep.plan.stale";

    private EventTypes() {}

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
            case RUN_STARTED,
                    RUN_CONSISTENT,
                    RUN_FAILED,
                    RUN_CANCELLED,
                    RUN_VERIFIED,
                    RUN_VERIFICATION_FAILED,
                    RUN_EXPIRED,
                    RESTORE_STARTED,
                    RESTORE_SUCCEEDED,
                    RESTORE_FAILED -> RunEvent.class;
            case RUN_SKIPPED, PLAN_STALE -> PlanEvent.class;
            default -> null;
        };
    }
}
