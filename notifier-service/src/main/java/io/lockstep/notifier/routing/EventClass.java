package io.lockstep.notifier.routing;

import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.RunEvent;
import java.util.Arrays;
import java.util.Optional;

/**
 * What routes select on: each public event falls into exactly one class. A restore event of a drill run counts as a
 * drill, so routing "restore" never floods operators with the drills a plan runs after every backup.
 */
public enum EventClass {
    /** {@code run.started}. */
    STARTED("started"),
    /** {@code run.consistent}: a backup is complete and verified. */
    CONSISTENT("consistent"),
    /** {@code run.failed}. */
    FAILED("failed"),
    /** {@code run.verified}: a backup passed its restore drill. */
    VERIFIED("verified"),
    /** {@code restore.started} and {@code restore.succeeded} of a drill run. */
    DRILL("drill"),
    /** {@code run.verification-failed}, and {@code restore.failed} of a drill run. */
    DRILL_FAILED("drill-failed"),
    /** {@code restore.started}, {@code restore.succeeded} and {@code restore.failed} of a real restore. */
    RESTORE("restore"),
    /** {@code run.expired}: retention deleted a run. */
    EXPIRED("expired"),
    /** {@code run.skipped}: a scheduled backup did not start because the previous one still ran. */
    SKIPPED("skipped"),
    /** {@code plan.stale}: a scheduled plan has had no consistent run for too long. */
    STALE("stale");

    private final String wireName;

    EventClass(String wireName) {
        this.wireName = wireName;
    }

    /** The name used in routing configuration and in the API. */
    public String wireName() {
        return wireName;
    }

    public static Optional<EventClass> named(String name) {
        return Arrays.stream(values())
                .filter(c -> c.wireName.equalsIgnoreCase(name.trim()))
                .findFirst();
    }

    /**
     * The class of an event on {@code lockstep.run-events}.
     *
     * @param run the payload when it is a {@link RunEvent}, else null
     * @return empty for a type that is not a public run or plan event
     */
    public static Optional<EventClass> of(String type, RunEvent run) {
        boolean drill = run != null && "DRILL".equalsIgnoreCase(run.type());
        return Optional.ofNullable(
                switch (type) {
                    case EventTypes.RUN_STARTED -> STARTED;
                    case EventTypes.RUN_CONSISTENT -> CONSISTENT;
                    case EventTypes.RUN_FAILED, EventTypes.RUN_CANCELLED -> FAILED;
                    case EventTypes.RUN_VERIFIED -> VERIFIED;
                    case EventTypes.RUN_VERIFICATION_FAILED -> DRILL_FAILED;
                    case EventTypes.RUN_EXPIRED -> EXPIRED;
                    case EventTypes.RESTORE_STARTED, EventTypes.RESTORE_SUCCEEDED -> drill ? DRILL : RESTORE;
                    case EventTypes.RESTORE_FAILED -> drill ? DRILL_FAILED : RESTORE;
                    case EventTypes.RUN_SKIPPED -> SKIPPED;
                    case EventTypes.PLAN_STALE -> STALE;
                    default -> null;
                });
    }
}
