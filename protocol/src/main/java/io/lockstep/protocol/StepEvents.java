package io.lockstep.protocol;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** The events an agent emits about one step, in the order they can happen. */
public final class StepEvents {

    private StepEvents() {}

    /** The agent took the command and started working on it. */
    public record Accepted(UUID runId, UUID stepId, String agentId, Instant at) {}

    /** Periodic progress of a long step. */
    public record Progress(UUID runId, UUID stepId, long bytes, long items, Instant at) {}

    /**
     * A capture's point in time is fixed before its bytes are all stored. PostgreSQL: a snapshot was exported; the
     * dump that follows sees exactly this state. Search: the Elasticsearch snapshot completed ({@code SUCCESS}, no
     * failed shard), so the store may be released while its files are still being copied into the repository.
     *
     * @param snapshotTime PostgreSQL: the server's clock when the snapshot was exported; search: the agent's clock
     *     when the snapshot completed (its {@code snapshotEndedAt})
     * @param lsn the WAL position at that moment ({@code pg_current_wal_lsn()}); null for search
     * @param snapshotId the exported snapshot name passed to {@code pg_dump --snapshot}, or the search snapshot's name
     */
    public record SnapshotTaken(UUID runId, UUID stepId, Instant snapshotTime, String lsn, String snapshotId) {}

    /**
     * The step finished well.
     *
     * @param bytes bytes written (BACKUP) or read (VERIFY)
     * @param sha256 hex SHA-256 of the artifact's stored bytes
     * @param artifact the repository key
     * @param startedAt when the agent began the work
     * @param finishedAt when it ended
     * @param evidence facts the coordinator checks or shows (for example {@code tocEntries})
     */
    public record Succeeded(
            UUID runId,
            UUID stepId,
            long bytes,
            String sha256,
            String artifact,
            Instant startedAt,
            Instant finishedAt,
            Map<String, String> evidence) {
        public Succeeded {
            evidence = evidence == null ? Map.of() : Map.copyOf(evidence);
        }
    }

    /**
     * A quiesce lease ran out before the coordinator released it: the agent removed the write blocks and
     * resumed the indexer by itself.
     */
    public record LeaseExpired(
            UUID runId, UUID stepId, String store, String agentId, Instant leaseUntil, Instant resumedAt) {}

    /** The step failed. The reason is readable and holds no secret. */
    public record Failed(UUID runId, UUID stepId, String reason, Instant at) {}
}
