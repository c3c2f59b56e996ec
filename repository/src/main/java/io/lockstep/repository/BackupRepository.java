package io.lockstep.repository;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The backup repository: one S3 bucket and prefix. Writes go through its {@link MultipartWriter} (streamed,
 * hashed, bounded memory, aborted on any failure, run artifacts written once), listings and the sweep of open
 * uploads through {@link RepositoryListing}; reads are decrypted and, on request, checked against the recorded
 * SHA-256.
 */
public class BackupRepository implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BackupRepository.class);

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final Encryption encryption;
    private final MultipartWriter writer;
    private final java.util.concurrent.atomic.AtomicLong staleUploadsAborted =
            new java.util.concurrent.atomic.AtomicLong();
    private final RepositoryListing listing;
    private final PackedReads packed;
    private BlobNames blobNames;

    /**
     * Opens the repository a service's {@link RepositoryConfig} describes.
     *
     * @param partSize multipart part size for this service
     * @param uploadConcurrency parts of one upload in flight
     * @param maxConnections the S3 client's connection pool
     * @throws IllegalStateException without a bucket
     */
    public static BackupRepository open(
            RepositoryConfig config, int partSize, int uploadConcurrency, int maxConnections) {
        String bucket = config.bucket()
                .orElseThrow(
                        () -> new IllegalStateException(
                                "lockstep.repository.bucket is not set: set it (or LOCKSTEP_REPOSITORY_BUCKET) to the backup bucket"));
        RepositoryConfig.Encryption e = config.encryption();
        return new BackupRepository(
                S3Clients.create(config, maxConnections),
                bucket,
                config.prefix().orElse(""),
                partSize,
                uploadConcurrency,
                Encryption.configure(e.enabled(), e.keysetFile(), e.keyset(), e.kmsKeyArn(), e.kmsRegion()));
    }

    public BackupRepository(S3Client s3, String bucket, String prefix, int partSize, int concurrency) {
        this(s3, bucket, prefix, partSize, concurrency, Encryption.none());
    }

    /**
     * @param encryption encrypts every artifact written when it {@link Encryption#encrypts() encrypts}, and decrypts
     *            encrypted artifacts on every read whenever it holds a key
     */
    public BackupRepository(
            S3Client s3, String bucket, String prefix, int partSize, int concurrency, Encryption encryption) {
        if (partSize < 5 * 1024 * 1024) {
            throw new IllegalArgumentException("partSize must be at least 5 MiB (S3's minimum), was " + partSize);
        }
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = normalizePrefix(prefix);
        this.encryption = encryption;
        this.writer = new MultipartWriter(s3, bucket, this.prefix, partSize, concurrency, encryption);
        this.listing = new RepositoryListing(s3, bucket, this.prefix, writer::inFlight);
        this.packed = new PackedReads(s3, bucket, this::objectKey, encryption, this::open);
    }

    private static String normalizePrefix(String prefix) {
        if (prefix == null || prefix.isBlank()) {
            return "";
        }
        String p = prefix.strip();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return p.endsWith("/") ? p : p + "/";
    }

    public String bucket() {
        return bucket;
    }

    /** The object key in the bucket for a repository-relative key. */
    public String objectKey(String key) {
        return prefix + key;
    }

    /** Creates the bucket if it does not exist yet. */
    public void ensureBucket() {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (NoSuchBucketException e) {
            LOG.infof("creating backup repository bucket %s", bucket);
            s3.createBucket(b -> b.bucket(bucket));
        } catch (SdkException e) {
            if (e instanceof software.amazon.awssdk.services.s3.model.S3Exception s3e && s3e.statusCode() == 404) {
                s3.createBucket(b -> b.bucket(bucket));
                return;
            }
            throw new RepositoryException("cannot reach backup repository bucket " + bucket + ": " + e.getMessage(), e);
        }
    }

    /** The id of the key-encryption key new artifacts are encrypted under; empty when they are not encrypted. */
    public java.util.Optional<String> encryptionKeyId() {
        return encryption.keyId();
    }

    /** Whether new artifacts are encrypted. */
    public boolean encrypts() {
        return encryption.encrypts();
    }

    /**
     * Streams {@code in} to the repository until end-of-stream, encrypted when encryption is on. See
     * {@link MultipartWriter} for the guarantees; a run artifact (under {@code runs/}) that exists already is refused
     * with {@link ArtifactExistsException}. The result's bytes and SHA-256 are those of the stored bytes.
     */
    public UploadResult upload(String key, InputStream plaintext, UploadHooks hooks) {
        return writer.upload(key, plaintext, hooks);
    }

    /**
     * Opens an artifact for a streaming read of its plaintext: an encrypted artifact is decrypted and authenticated
     * as it streams, and its read fails with {@link IntegrityException} (naming the artifact) on a wrong or missing
     * key, an altered byte, a truncation or a file moved from another key. Plaintext artifacts read as they are.
     */
    public InputStream open(String key) {
        return new DecodingInputStream(openStored(key), key, objectKey(key), encryption);
    }

    private InputStream openStored(String key) {
        String objectKey = objectKey(key);
        try {
            ResponseInputStream<GetObjectResponse> in =
                    s3.getObject(b -> b.bucket(bucket).key(objectKey));
            return in;
        } catch (NoSuchKeyException e) {
            throw new RepositoryException("artifact " + objectKey + " does not exist in bucket " + bucket, e);
        } catch (SdkException e) {
            throw new RepositoryException("cannot read " + objectKey + ": " + e.getMessage(), e);
        }
    }

    /**
     * The stored form of a small artifact exactly as {@link #upload} would write it under {@code key}: encrypted and
     * bound to that key when encryption is on, the plaintext otherwise. For a caller that keeps it inside a larger
     * object (a pack) and reads it back with {@link #openPacked}.
     */
    public byte[] encode(String key, byte[] plaintext) {
        if (!encryption.encrypts()) {
            return plaintext;
        }
        try (InputStream in = encryption.encrypt(key, new ByteArrayInputStream(plaintext))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new RepositoryException("cannot encrypt " + objectKey(key) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stores bytes that are already in their stored form ({@link #encode}d records) in one PUT, as they are. The
     * caller names a new key for each such object, so it is never written twice.
     */
    public void putStored(String key, byte[] stored) {
        String objectKey = objectKey(key);
        try {
            s3.putObject(b -> b.bucket(bucket).key(objectKey), RequestBody.fromBytes(stored));
        } catch (SdkException e) {
            throw new RepositoryException("upload of " + objectKey + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Opens, for a streaming read of its plaintext, the artifact {@link #encode}d under {@code key} and stored as the
     * {@code length} bytes at {@code offset} of {@code pack} (one ranged GET). Decrypted and authenticated as
     * {@link #open} does: a record read at the wrong place, altered, truncated or encoded under another key fails
     * with {@link IntegrityException}, and so does a record past the pack's end. Without the pack, the blob is read from its
     * own key {@code key}, where a backup that found the pack missing copied it again, and without that from the pack
     * kept aside in {@code quarantine/} (its intact records: each is authenticated, or hash-checked by the reader).
     */
    public InputStream openPacked(String pack, long offset, long length, String key) {
        return packed.open(pack, offset, length, key);
    }

    /**
     * Opens an artifact for a streaming read of its plaintext that also checks the stored bytes against the SHA-256
     * recorded when they were written: stored bytes, then the hash, then decryption (as {@link #open}), then the
     * caller. The stream throws {@link IntegrityException} instead of ending if the hash differs. Whoever restores
     * from it must treat the data as untrusted until the end of stream was reached without that exception.
     */
    public VerifiedInputStream openVerified(String key, String expectedSha256) {
        if (expectedSha256 == null || expectedSha256.isBlank()) {
            throw new RepositoryException(
                    "no SHA-256 was recorded for " + objectKey(key) + "; refusing to read it unchecked");
        }
        VerifyingInputStream stored = new VerifyingInputStream(openStored(key), objectKey(key), expectedSha256);
        return new VerifiedInputStream(new DecodingInputStream(stored, key, objectKey(key), encryption), stored);
    }

    /**
     * The name under which content with this SHA-256 is stored as a shared blob: the hash itself for plaintext
     * repositories, a keyed hash (HMAC-SHA256 under the repository's name key, see {@link BlobNames}) when new
     * artifacts are encrypted, so blob names do not reveal content hashes.
     */
    public String contentName(String sha256Hex) {
        if (!encryption.encrypts()) {
            return sha256Hex;
        }
        return blobNames().name(sha256Hex);
    }

    private synchronized BlobNames blobNames() {
        if (blobNames == null) {
            blobNames = BlobNames.loadOrCreate(s3, bucket, objectKey(BlobNames.KEY), encryption);
        }
        return blobNames;
    }

    /**
     * Copies the stored bytes of an artifact as they lie (server-side, never decrypted or re-encrypted): to keep a
     * damaged artifact aside. An encrypted artifact is bound to its key, so the copy is evidence, not readable data.
     */
    public void copyStored(String fromKey, String toKey) {
        try {
            s3.copyObject(b -> b.sourceBucket(bucket)
                    .sourceKey(objectKey(fromKey))
                    .destinationBucket(bucket)
                    .destinationKey(objectKey(toKey)));
        } catch (SdkException e) {
            throw new RepositoryException(
                    "cannot copy " + objectKey(fromKey) + " to " + objectKey(toKey) + ": " + e.getMessage(), e);
        }
    }

    /** Whether an artifact exists. */
    public boolean exists(String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(objectKey(key)));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw new RepositoryException("cannot check " + objectKey(key) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies an artifact to another key inside the repository: server-side for plaintext repositories; through this
     * client when a key is configured, because an encrypted artifact is bound to its key and must be re-encrypted.
     */
    public void copy(String fromKey, String toKey) {
        if (encryption.hasKey()) {
            try (InputStream in = open(fromKey)) {
                upload(toKey, in, UploadHooks.NONE);
            } catch (IOException e) {
                throw new RepositoryException(
                        "cannot copy " + objectKey(fromKey) + " to " + objectKey(toKey) + ": " + e.getMessage(), e);
            }
            return;
        }
        copyStored(fromKey, toKey);
    }

    public void delete(String key) {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(objectKey(key)));
        } catch (SdkException e) {
            throw new RepositoryException("cannot delete " + objectKey(key) + ": " + e.getMessage(), e);
        }
    }

    /** Stores a small artifact (a manifest) in one PUT, encrypted when encryption is on. */
    public UploadResult put(String key, byte[] content) {
        return upload(key, new ByteArrayInputStream(content), UploadHooks.NONE);
    }

    /**
     * The packs under {@code packPrefix} ({@code packs/} or {@code packs/<store>/}) with their sizes, and those kept
     * aside in quarantine under their own names: {@link #openPacked} reads a quarantined pack's intact records there,
     * so it holds them as far as readers go.
     */
    public java.util.Map<String, Long> packs(String packPrefix) {
        java.util.Map<String, Long> packs = new java.util.HashMap<>(list(packPrefix));
        String aside = io.lockstep.protocol.ArtifactLayout.quarantined(packPrefix);
        list(aside).forEach((key, size) -> packs.putIfAbsent(packPrefix + key.substring(aside.length()), size));
        return packs;
    }

    /** Keys (relative to the repository prefix) under {@code keyPrefix}, with their sizes; paginated. */
    public java.util.Map<String, Long> list(String keyPrefix) {
        return listing.list(keyPrefix);
    }

    /**
     * Keys (relative to the repository prefix) under {@code keyPrefix}, streamed page by page in S3's listing order
     * (nothing is collected); a failed page surfaces as a {@link RepositoryException} from the iterator.
     */
    public java.util.Iterator<String> keys(String keyPrefix) {
        return listing.keys(keyPrefix);
    }

    /** As {@link #keys(String)}, asking for at most {@code pageSize} keys a request. */
    public java.util.Iterator<String> keys(String keyPrefix, int pageSize) {
        return listing.keys(keyPrefix, pageSize);
    }

    /** Keys (relative to the repository prefix) under {@code keyPrefix}, with their last-modified times. */
    public java.util.Map<String, java.time.Instant> listModified(String keyPrefix) {
        return listing.listModified(keyPrefix);
    }

    /** A multipart upload open in the repository; {@code key} is repository-relative. */
    public record OpenUpload(String key, String uploadId, java.time.Instant initiated, boolean inFlightHere) {}

    /** Every multipart upload open under the repository's prefix (paginated). */
    public List<OpenUpload> openUploads() {
        return listing.openUploads();
    }

    /** Aborts an open multipart upload (one that {@link #openUploads()} listed). */
    public void abortUpload(String key, String uploadId) {
        listing.abortUpload(key, uploadId);
        staleUploadsAborted.incrementAndGet();
    }

    /** How many of its own uploads this process aborted after a failure (source, part or completion), since start. */
    public long uploadsAborted() {
        return writer.aborted();
    }

    /** How many open uploads {@link #abortUpload} aborted (a sweeper's stale uploads), since start. */
    public long staleUploadsAborted() {
        return staleUploadsAborted.get();
    }

    @Override
    public void close() {
        writer.close();
        s3.close();
    }
}
