package io.lockstep.coordinator.catalog;

/** What a run does. Every type but {@link #BACKUP} uses a backup, {@code RunEntity.sourceRunId}, and runs in waves. */
public enum RunType {
    /** Captures the plan's stores under the ordering rules and verifies the artifacts. */
    BACKUP,
    /** Restores a backup, in place or into new targets. */
    RESTORE,
    /** Restores a backup into scratch targets, checks them against what the backup recorded, then drops them. */
    DRILL,
    /** Reports what a restore would do, changing nothing. */
    DRY_RUN,
    /** Re-reads and checks a backup's artifacts. */
    VERIFY
}
