package io.lockstep.protocol;

import java.time.Instant;
import java.util.UUID;

/**
 * The public lifecycle of a run, on {@link Topics#RUN_EVENTS}. Other services subscribe to it, for example to
 * start an upgrade once a consistent backup exists.
 *
 * @param runId the run
 * @param plan the plan it belongs to
 * @param type BACKUP, RESTORE or DRILL
 * @param state the run state after the transition (QUEUED, RUNNING, CONSISTENT, FAILED, SUCCEEDED, ...)
 * @param consistencyPoint for a backup, the instant the backup represents (the latest SQL snapshot)
 * @param label the operator's label, if any
 * @param bytes total bytes of the run's artifacts so far
 * @param error why the run failed, if it did
 * @param at when the transition happened
 * @param startedAt when the run started, if it has (with {@code at}, the duration)
 * @param sourceRunId for a restore or a drill, the backup run it restores
 * @param verified for a backup, whether a restore drill has passed on it
 */
public record RunEvent(
        UUID runId,
        String plan,
        String type,
        String state,
        Instant consistencyPoint,
        String label,
        long bytes,
        String error,
        Instant at,
        Instant startedAt,
        UUID sourceRunId,
        boolean verified) {}
