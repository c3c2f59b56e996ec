package io.lockstep.protocol;

/** What a command asks an agent to do. */
public enum StepAction {
    /** Capture the store (a dump, a bucket copy, a snapshot) into the backup repository. */
    BACKUP,
    /** Re-read an artifact from the repository and check that it is whole and parseable. */
    VERIFY,
    /**
     * Stop writes to a search store (index write blocks, the application's indexer paused through its hook)
     * under a lease. The agent resumes by itself when the lease runs out.
     */
    QUIESCE,
    /** Undo a quiesce: remove the write blocks and resume the indexer. Always sent when a run ends. */
    RESUME,
    /** Extend the lease of a quiesce held for a run; not a step of its own, no events. */
    RENEW_LEASE,
    /** Stop a running step of a run that ended: kill its work and abort its uploads. */
    CANCEL,
    /**
     * Bring a store back from a backup artifact, in place or into a new target (a database name, a bucket or
     * prefix, an index rename pattern). The artifact's SHA-256 is checked while it streams.
     */
    RESTORE,
    /** Report, without changing anything, what a RESTORE would transfer, drop or overwrite. */
    INSPECT,
    /** Compare a restored target with what the backup recorded (row checksums, object hashes, document counts). */
    CHECK,
    /** Drop a scratch target that a restore drill created (a database, a prefix, renamed indices). */
    DROP,
    /**
     * Delete the store-native artifacts of an expired run that live outside the backup repository (an
     * Elasticsearch snapshot). The coordinator deletes the run's repository objects itself.
     */
    EXPIRE
}
