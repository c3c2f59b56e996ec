package io.lockstep.protocol;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A command to an agent: do one step of a run against one store.
 *
 * @param runId the run the step belongs to
 * @param stepId unique id of the step; every event about the step carries it
 * @param plan the plan name, used for the artifact layout
 * @param store the store id the agent must serve
 * @param action what to do
 * @param database for PostgreSQL stores, the database this step covers
 * @param artifact the repository key to write (BACKUP) or read (VERIFY), relative to the repository prefix
 * @param expectedSha256 for VERIFY, the SHA-256 recorded when the artifact was written
 * @param deadline the agent ignores a command received after it, and gives up on the step at it
 * @param parameters action-specific inputs, see {@link Parameters}
 */
public record StepCommand(
        UUID runId,
        UUID stepId,
        String plan,
        String store,
        StepAction action,
        String database,
        String artifact,
        String expectedSha256,
        Instant deadline,
        Map<String, String> parameters) {

    public StepCommand {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(stepId, "stepId");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(deadline, "deadline");
        parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
    }

    public String parameter(String name) {
        return parameters.get(name);
    }

    /** Names of {@link #parameters()} entries. */
    public static final class Parameters {
        /**
         * Every command: the id of the agent it is addressed to, the one serving the store when the step was
         * dispatched. Another agent configured with the same store ignores it (its events about the step would be
         * refused). Absent when no agent served the store: any agent serving it may take the step.
         */
        public static final String AGENT = "agent";
        /** QUIESCE, RENEW_LEASE: the lease's length in seconds. */
        public static final String LEASE_SECONDS = "leaseSeconds";
        /**
         * objectstore BACKUP: the previous run's manifest key, for incremental copies. VERIFY: the base the capture
         * reused unchanged objects from (its evidence {@code base}), whose blobs the capture's listing confirmed.
         */
        public static final String PREVIOUS_MANIFEST = "previousManifest";
        /** search BACKUP and VERIFY: the snapshot name. */
        public static final String SNAPSHOT = "snapshot";
        /** CANCEL: the step to cancel. */
        public static final String TARGET_STEP = "targetStep";
        /** postgres BACKUP: the cross-store reference query whose keys to record under the same snapshot. */
        public static final String REFERENCE_QUERY = "referenceQuery";
        /** postgres BACKUP: where to write the sorted, gzipped reference keys. */
        public static final String REFERENCE_ARTIFACT = "referenceArtifact";
        /** objectstore VERIFY: comma-separated reference artifacts to resolve against the manifest. */
        public static final String REFERENCE_ARTIFACTS = "referenceArtifacts";
        /** postgres BACKUP: where to write the per-table row counts and checksums taken under the snapshot. */
        public static final String CENSUS_ARTIFACT = "censusArtifact";
        /** postgres CHECK: the SHA-256 of {@link #CENSUS_ARTIFACT} as written by the backup. */
        public static final String CENSUS_SHA256 = "censusSha256";
        /** postgres RESTORE, INSPECT, CHECK, DROP: the database to restore into (absent: in place, the same name). */
        public static final String TARGET_DATABASE = "targetDatabase";
        /** objectstore RESTORE, INSPECT, CHECK, DROP: the bucket to restore into (absent: the store's bucket). */
        public static final String TARGET_BUCKET = "targetBucket";
        /** objectstore RESTORE, INSPECT, CHECK, DROP: the key prefix to restore under (absent: the store's prefix). */
        public static final String TARGET_PREFIX = "targetPrefix";
        /** objectstore RESTORE, INSPECT: {@code true} to delete keys the manifest does not hold. */
        public static final String PRUNE = "prune";
        /** search RESTORE, INSPECT, CHECK, DROP: a regular expression over index names, as Elasticsearch's restore takes it. */
        public static final String RENAME_PATTERN = "renamePattern";
        /** search RESTORE, INSPECT, CHECK, DROP: the replacement for {@link #RENAME_PATTERN}, with {@code $1} groups. */
        public static final String RENAME_REPLACEMENT = "renameReplacement";
        /** search CHECK: the document counts the backup recorded, {@code index=count,...}. */
        public static final String DOCUMENT_COUNTS = "documentCounts";
        /** postgres INSPECT: the stored size of the dump a restore would read, for the dry run's estimate. */
        public static final String ARTIFACT_BYTES = "artifactBytes";
        /** postgres RESTORE: recover the cluster's base backup into a new cluster, replaying WAL to this instant. */
        public static final String POINT_IN_TIME = "pointInTime";
        /** postgres RESTORE to a point in time: the base backup artifact. */
        public static final String BASE_BACKUP_ARTIFACT = "baseBackupArtifact";
        /** postgres RESTORE to a point in time: the base backup's recorded SHA-256. */
        public static final String BASE_BACKUP_SHA256 = "baseBackupSha256";
        /**
         * objectstore VERIFY: how many objects the manifest holds, as its capture reported; a long manifest's blobs
         * are checked against one listing from the start.
         */
        public static final String OBJECTS = "objects";
        /** objectstore VERIFY: how many objects the capture copied into blobs (every one of them is checked). */
        public static final String COPIED = "copied";

        private Parameters() {}
    }
}
