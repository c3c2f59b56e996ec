package io.lockstep.protocol;

/**
 * The keys of the evidence maps that agents report in step results ({@link StepEvents}) and that the coordinator
 * reads: ordering evidence, counts, hashes and samples. Values are strings; times are ISO-8601 instants, counts are
 * decimal, lists are comma-separated. Grouped by who writes them; a key several kinds share is listed once.
 */
public final class EvidenceKeys {

    private EvidenceKeys() {}

    // ---- every agent (agent-core): quiesce leases ----
    /** QUIESCE: when the store stopped taking writes, on the agent's clock. */
    public static final String QUIESCED_AT = "quiescedAt";
    /** QUIESCE: until when the agent holds the quiesce without a renewal. */
    public static final String LEASE_UNTIL = "leaseUntil";
    /** QUIESCE: how many other runs already held the store quiesced (absent when none). */
    public static final String SHARED_WITH = "sharedWith";
    /** RESUME: when this run released the store, on the agent's clock (writes resume if no other run holds it). */
    public static final String RESUMED_AT = "resumedAt";
    /** RESUME: "true" only if this run's lease was held without a gap until this release. */
    public static final String LEASE_UNBROKEN = "leaseUnbroken";
    /** RESUME: how many other runs still hold the store quiesced, so writes stay blocked (absent when none). */
    public static final String STILL_QUIESCED_FOR = "stillQuiescedFor";
    /** BACKUP with encryption: the id (never the material) of the key-encryption key the artifact is under. */
    public static final String ENCRYPTION_KEY_ID = "encryptionKeyId";

    // ---- shared by several kinds ----
    /** How long the step's work took, in milliseconds. */
    public static final String DURATION_MILLIS = "durationMillis";
    /** A database's name (postgres). */
    public static final String DATABASE = "database";
    /** Objects in a manifest (objectstore), or checked. */
    public static final String OBJECTS = "objects";
    /** Unchanged objects: reused from the previous manifest (backup) or already right in the target (restore). */
    public static final String UNCHANGED = "unchanged";
    /** Distinct reference keys resolved. */
    public static final String REFERENCES = "references";
    /** Reference keys with no object. */
    public static final String DANGLING = "dangling";
    /** Tables counted by a census. */
    public static final String TABLES = "tables";
    /** Rows counted by a census. */
    public static final String ROWS = "rows";
    /** Bytes a restore would read or copy (dry runs). */
    public static final String BYTES_TO_TRANSFER = "bytesToTransfer";
    /** A search snapshot's name. */
    public static final String SNAPSHOT = "snapshot";
    /** Indices, comma-separated. */
    public static final String INDICES = "indices";
    /** A search snapshot's state ({@code SUCCESS}, ...). */
    public static final String STATE = "state";
    /** A search snapshot's failed shards. */
    public static final String SHARDS_FAILED = "shardsFailed";
    /** Per-index document counts, {@code index=count,...}. */
    public static final String DOCUMENT_COUNTS = "documentCounts";
    /** Bucket of an object store step. */
    public static final String BUCKET = "bucket";
    /** Key prefix of an object store step. */
    public static final String PREFIX = "prefix";

    // ---- postgres ----
    /** BACKUP: the exported snapshot's id. */
    public static final String SNAPSHOT_ID = "snapshotId";
    /** BACKUP: the snapshot's server time, the consistency point. */
    public static final String SNAPSHOT_TIME = "snapshotTime";
    /** BACKUP: the WAL position of the snapshot. */
    public static final String LSN = "lsn";
    /** BACKUP: multipart upload parts of the dump. */
    public static final String PARTS = "parts";
    /** BACKUP: when pg_dump's output ended. */
    public static final String DUMP_ENDED_AT = "dumpEndedAt";

    /** How an artifact's content is compressed before encryption: {@code zstd}; absent means as the tool wrote it. */
    public static final String CODEC = "codec";
    /** BACKUP: the table census's key. */
    public static final String CENSUS_ARTIFACT = "censusArtifact";
    /** BACKUP: the table census's SHA-256. */
    public static final String CENSUS_SHA256 = "censusSha256";
    /** BACKUP, RESTORE: reference keys written. */
    public static final String REFERENCE_KEYS = "referenceKeys";
    /** BACKUP, RESTORE: the reference keys' key. */
    public static final String REFERENCE_ARTIFACT = "referenceArtifact";
    /** VERIFY: entries in the archive's table of contents ({@code pg_restore --list}). */
    public static final String TOC_ENTRIES = "tocEntries";
    /** RESTORE: how the database was restored. */
    public static final String STRATEGY = "strategy";
    /** RESTORE: bytes read. */
    public static final String BYTES = "bytes";
    /** RESTORE: whether an existing database was replaced. */
    public static final String REPLACED_EXISTING = "replacedExisting";
    /** RESTORE: sessions terminated on the replaced database. */
    public static final String TERMINATED_CONNECTIONS = "terminatedConnections";
    /** RESTORE: the restored database could not be given back to its owner. */
    public static final String OWNER_WARNING = "ownerWarning";
    /** A restore's cleanup that failed after the restore itself succeeded (the agent retries it at its next start). */
    public static final String CLEANUP_WARNING = "cleanupWarning";
    /** INSPECT: whether the target database exists. */
    public static final String TARGET_EXISTS = "targetExists";
    /** INSPECT: the target database's size. */
    public static final String TARGET_BYTES = "targetBytes";
    /** INSPECT: sessions open on the target database. */
    public static final String OPEN_CONNECTIONS = "openConnections";
    /** DROP: whether the scratch database existed. */
    public static final String DROPPED = "dropped";

    /** BACKUP with point-in-time recovery: the physical base backup of the cluster (a zstd tar of pg_basebackup). */
    public static final String BASE_BACKUP_ARTIFACT = "baseBackupArtifact";
    /** BACKUP with point-in-time recovery: SHA-256 of the base backup's stored bytes. */
    public static final String BASE_BACKUP_SHA256 = "baseBackupSha256";
    /** BACKUP with point-in-time recovery: the base backup's stored size. */
    public static final String BASE_BACKUP_BYTES = "baseBackupBytes";
    /** BACKUP with point-in-time recovery: a WAL position at or before the base backup's start (retention keeps WAL from here). */
    public static final String BASE_BACKUP_START_LSN = "baseBackupStartLsn";
    /** BACKUP with point-in-time recovery: server time after the base backup ended; the earliest point in time it reaches. */
    public static final String BASE_BACKUP_ENDED_AT = "baseBackupEndedAt";
    /** BACKUP with point-in-time recovery: the repository prefix of the store's WAL archive. */
    public static final String WAL_ARCHIVE = "walArchive";
    /** RESTORE to a point in time: where the recovered cluster runs. */
    public static final String RECOVERED_HOST = "recoveredHost";
    /** RESTORE to a point in time: the recovered cluster's port. */
    public static final String RECOVERED_PORT = "recoveredPort";
    /** RESTORE to a point in time: the recovered cluster's data directory. */
    public static final String RECOVERED_DATA_DIR = "recoveredDataDir";
    /** RESTORE to a point in time: the recovery target asked for. */
    public static final String RECOVERY_TARGET_TIME = "recoveryTargetTime";
    /** RESTORE to a point in time: WAL files fetched from the archive for the replay. */
    public static final String WAL_FILES = "walFiles";

    // ---- objectstore ----
    /** BACKUP: when the bucket listing started, the object side of the consistency point. */
    public static final String LISTING_STARTED_AT = "listingStartedAt";
    /** BACKUP: bytes of all objects in the manifest. */
    public static final String OBJECT_BYTES = "objectBytes";
    /** BACKUP: objects copied into blobs. */
    public static final String COPIED = "copied";
    /** BACKUP: bytes copied into blobs. */
    public static final String COPIED_BYTES = "copiedBytes";
    /** BACKUP: objects deleted between the listing and their copy. */
    public static final String VANISHED = "vanished";
    /** BACKUP: unchanged objects whose blob was missing from the repository and was copied again from the source. */
    public static final String HEALED = "healed";
    /** BACKUP: packs written ({@code packs/<store>/<uuid>}), each holding many small blobs. */
    public static final String PACKS = "packs";
    /** BACKUP: objects whose blobs this run wrote into packs. */
    public static final String PACKED = "packed";
    /** BACKUP: up to a few keys of healed objects, comma-separated. */
    public static final String HEALED_SAMPLE = "healedSample";
    /** BACKUP: the manifest of the incremental copy's base, when one was read. */
    public static final String BASE = "base";
    /** BACKUP: how many blobs one listing of {@code blobs/<store>/} confirmed before the base was trusted. */
    public static final String BLOBS_LISTED = "blobsListed";
    /** VERIFY: blobs checked (by a HEAD each or against one listing): all, or after an incremental copy those it
     * copied and a sample of those it reused. */
    public static final String BLOBS_CHECKED = "blobsChecked";
    /** VERIFY after an incremental copy: reused blobs not checked again (confirmed by the copy's own listing). */
    public static final String BLOBS_TRUSTED = "blobsTrusted";
    /** VERIFY: objects whose blob is missing ({@code 0} or the step fails). */
    public static final String BLOBS_MISSING = "blobsMissing";
    /** VERIFY: objects no reference key uses. */
    public static final String ORPHANS = "orphans";
    /** RESTORE: objects copied back. */
    public static final String OBJECTS_COPIED = "objectsCopied";
    /** INSPECT: objects a restore would copy back. */
    public static final String OBJECTS_TO_COPY = "objectsToCopy";
    /** RESTORE: bytes copied back. */
    public static final String BYTES_COPIED = "bytesCopied";
    /** RESTORE: keys that held other content. */
    public static final String KEYS_OVERWRITTEN = "keysOverwritten";
    /** INSPECT: keys a restore would overwrite. */
    public static final String KEYS_TO_OVERWRITE = "keysToOverwrite";
    /** RESTORE: keys not in the manifest, deleted ({@code prune}). */
    public static final String KEYS_DELETED = "keysDeleted";
    /** INSPECT: keys a restore would delete ({@code prune}). */
    public static final String KEYS_TO_DELETE = "keysToDelete";
    /** RESTORE, INSPECT: keys not in the manifest that stay. */
    public static final String KEYS_NOT_IN_MANIFEST_KEPT = "keysNotInManifestKept";
    /** RESTORE, INSPECT: some overwritten keys. */
    public static final String OVERWRITTEN_SAMPLE = "overwrittenSample";
    /** RESTORE, INSPECT: some deleted keys. */
    public static final String DELETED_SAMPLE = "deletedSample";
    /** RESTORE, INSPECT: some kept keys. */
    public static final String KEPT_SAMPLE = "keptSample";
    /** CHECK: objects re-read and hashed. */
    public static final String OBJECTS_VERIFIED = "objectsVerified";
    /** CHECK: objects in the target that the backup lacks. */
    public static final String OBJECTS_NOT_IN_BACKUP = "objectsNotInBackup";
    /** DROP: objects deleted from the scratch prefix; search EXPIRE: whether the snapshot existed. */
    public static final String DELETED = "deleted";

    // ---- search ----
    /** BACKUP: Elasticsearch's snapshot UUID. */
    public static final String SNAPSHOT_UUID = "snapshotUuid";
    /** BACKUP: shards in the snapshot. */
    public static final String SHARDS_TOTAL = "shardsTotal";
    /** BACKUP: when the snapshot was requested, on the agent's clock. */
    public static final String SNAPSHOT_STARTED_AT = "snapshotStartedAt";
    /** BACKUP: when the snapshot call returned, on the agent's clock. */
    public static final String SNAPSHOT_ENDED_AT = "snapshotEndedAt";
    /** BACKUP: Elasticsearch's own start time (its cached clock). */
    public static final String ELASTICSEARCH_START_TIME = "elasticsearchStartTime";
    /** BACKUP: Elasticsearch's own end time (its cached clock). */
    public static final String ELASTICSEARCH_END_TIME = "elasticsearchEndTime";
    /** BACKUP: snapshot repository files copied into the backup repository. */
    public static final String FILES_COPIED = "filesCopied";
    /** RESTORE: indices deleted to restore in place. */
    public static final String REPLACED_INDICES = "replacedIndices";
    /** INSPECT: whether the cluster's repository holds the snapshot. */
    public static final String SNAPSHOT_IN_CLUSTER = "snapshotInCluster";
    /** INSPECT in place: indices a restore would replace. */
    public static final String INDICES_TO_REPLACE = "indicesToReplace";
    /** INSPECT into new names: target indices that exist already. */
    public static final String INDICES_IN_THE_WAY = "indicesInTheWay";
    /** INSPECT: document counts of the indices a restore would replace. */
    public static final String DOCUMENTS_TO_REPLACE = "documentsToReplace";
    /** CHECK: documents in the restored indices. */
    public static final String DOCUMENTS = "documents";
    /** DROP: the drill's indices deleted. */
    public static final String DELETED_INDICES = "deletedIndices";
    /** EXPIRE: copied files no longer in the snapshot repository, deleted. */
    public static final String COPIES_REMOVED = "copiesRemoved";
}
