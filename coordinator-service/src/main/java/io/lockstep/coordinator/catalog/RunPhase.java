package io.lockstep.coordinator.catalog;

/**
 * Where a backup run is in its flow. Each phase has exactly one owner, {@code RunStateMachine}, and each
 * transition is written once there. An event that belongs to another phase is logged and ignored.
 *
 * <pre>
 *  QUEUED ─▶ QUIESCING ──every search store acknowledged──▶ CAPTURING ──every capture done, resumes sent──▶ VERIFYING
 *              (skipped without search stores)                                                            │
 *                                                                                     evidence holds ─────▶ DONE (CONSISTENT)
 *  any phase ── a step failed or timed out, an agent went silent, a lease ran out ──▶ DONE (FAILED), resume sent
 * </pre>
 *
 * Inside CAPTURING the ordering rules hold: SQL snapshots and search snapshots start together; object copies
 * are dispatched only once every SQL snapshot point is known; search stores resume as soon as every search
 * snapshot is done and every SQL snapshot point is known, while dumps keep streaming.
 */
public enum RunPhase {
    /** Created; nothing dispatched yet. */
    QUEUED,
    /** Search stores are being quiesced: indexers paused, write blocks set, leases held. */
    QUIESCING,
    /** SQL snapshots and dumps, search snapshots, then object copies; search stores resumed when allowed. */
    CAPTURING,
    /** Every artifact is re-read from the repository and checked; cross-store references resolved. */
    VERIFYING,
    /**
     * A restore, drill, dry run or re-verification: its planned steps run in waves (see {@code RestorePlanner}),
     * each wave once the one before has fully succeeded.
     */
    IN_WAVES,
    /** The run ended; {@link RunState} says how. */
    DONE
}
