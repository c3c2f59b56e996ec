package io.lockstep.coordinator.run;

/**
 * Where a backup run is in its flow. Each phase has exactly one owner, {@link RunStateMachine}, and each
 * transition is written once there. An event that belongs to another phase is logged and ignored.
 *
 * <pre>
 *  QUEUED ──start──▶ CAPTURING ──all captures succeeded──▶ VERIFYING ──evidence holds──▶ DONE (CONSISTENT)
 *     │                  │                                     │
 *     └──────────────────┴────── a step failed, timed out, its agent went silent ─────▶ DONE (FAILED)
 * </pre>
 */
public enum RunPhase {
    /** Created; nothing dispatched yet. */
    QUEUED,
    /**
     * Capture steps dispatched: each PostgreSQL database exports a snapshot, reports its time and LSN, and
     * streams its dump to the repository.
     */
    CAPTURING,
    /**
     * Every capture succeeded; verification steps re-read each artifact from the repository, recompute its
     * SHA-256 and parse it ({@code pg_restore --list}).
     */
    VERIFYING,
    /** The run ended; {@link RunState} says how. */
    DONE
}
