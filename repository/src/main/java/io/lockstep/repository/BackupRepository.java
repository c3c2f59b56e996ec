package io.lockstep.repository;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The backup repository: one S3 bucket and prefix. Its writer streams an upload of unknown length as a
 * multipart upload, hashing every byte with SHA-256 on the way, with memory bounded by
 * {@code partSize x (concurrency + 1)} whatever the artifact's size. Any failure, including the source
 * refusing at {@link UploadHooks#beforeComplete()}, aborts the upload, so no half artifact ever becomes an
 * object.
 */
public class BackupRepository implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BackupRepository.class);

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final int partSize;
    private final int concurrency;
    private final ExecutorService partUploads;
    private final Encryption encryption;
    private BlobNames blobNames;
    /** Multipart uploads this process has open right now: a sweeper never aborts them. */
    private final java.util.Set<String> uploadsInFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();

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
        this.partSize = partSize;
        this.concurrency = Math.max(1, concurrency);
        this.encryption = encryption;
        AtomicInteger n = new AtomicInteger();
        this.partUploads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "repository-part-upload-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
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
     * Streams {@code in} to the repository until end-of-stream, encrypted when encryption is on. See the class
     * comment for the guarantees. The result's bytes and SHA-256 are those of the stored bytes.
     */
    public UploadResult upload(String key, InputStream plaintext, UploadHooks hooks) {
        String objectKey = objectKey(key);
        InputStream in = encryption.encrypts() ? encryption.encrypt(key, plaintext) : plaintext;
        MessageDigest sha = Hashing.sha256();
        byte[] first = new byte[partSize];
        int firstLength = readPart(in, first);
        sha.update(first, 0, firstLength);
        if (firstLength < partSize) {
            java.time.Instant ended = java.time.Instant.now();
            // Small artifact: a single PUT, still only after the source confirms it is whole.
            confirm(hooks, objectKey);
            try {
                s3.putObject(
                        b -> b.bucket(bucket).key(objectKey),
                        RequestBody.fromInputStream(new ByteArrayInputStream(first, 0, firstLength), firstLength));
            } catch (SdkException e) {
                throw new RepositoryException("upload of " + objectKey + " failed: " + e.getMessage(), e);
            }
            hooks.progress(firstLength);
            return new UploadResult(key, firstLength, Hashing.hex(sha), 1, ended);
        }
        return multipart(key, objectKey, in, hooks, sha, first);
    }

    private UploadResult multipart(
            String key, String objectKey, InputStream in, UploadHooks hooks, MessageDigest sha, byte[] first) {
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(objectKey))
                    .uploadId();
        } catch (SdkException e) {
            throw new RepositoryException("cannot start upload of " + objectKey + ": " + e.getMessage(), e);
        }
        uploadsInFlight.add(uploadId);
        try {
            return uploadParts(key, objectKey, uploadId, in, hooks, sha, first);
        } finally {
            uploadsInFlight.remove(uploadId);
        }
    }

    private UploadResult uploadParts(
            String key,
            String objectKey,
            String uploadId,
            InputStream in,
            UploadHooks hooks,
            MessageDigest sha,
            byte[] first) {
        // A fixed pool of part buffers bounds memory: the reader waits for a free buffer.
        BlockingQueue<byte[]> buffers = new ArrayBlockingQueue<>(concurrency + 1);
        for (int i = 0; i < concurrency; i++) {
            buffers.add(new byte[partSize]);
        }
        List<Future<CompletedPart>> parts = new ArrayList<>();
        long total = 0;
        try {
            byte[] buffer = first;
            int length = partSize;
            int partNumber = 1;
            while (length > 0) {
                parts.add(submitPart(objectKey, uploadId, partNumber++, buffer, length, buffers));
                total += length;
                hooks.progress(total);
                failFast(parts);
                buffer = buffers.take();
                length = readPart(in, buffer);
                sha.update(buffer, 0, length);
            }
            java.time.Instant sourceEnded = java.time.Instant.now();
            List<CompletedPart> completed = new ArrayList<>(parts.size());
            for (Future<CompletedPart> part : parts) {
                completed.add(part.get());
            }
            confirm(hooks, objectKey);
            s3.completeMultipartUpload(b -> b.bucket(bucket)
                    .key(objectKey)
                    .uploadId(uploadId)
                    .multipartUpload(
                            CompletedMultipartUpload.builder().parts(completed).build()));
            return new UploadResult(key, total, Hashing.hex(sha), completed.size(), sourceEnded);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort(objectKey, uploadId, parts);
            throw new RepositoryException("upload of " + objectKey + " was interrupted", e);
        } catch (ExecutionException e) {
            abort(objectKey, uploadId, parts);
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new RepositoryException("upload of " + objectKey + " failed: " + cause.getMessage(), cause);
        } catch (RepositoryException e) {
            abort(objectKey, uploadId, parts);
            throw e;
        } catch (RuntimeException e) {
            abort(objectKey, uploadId, parts);
            throw new RepositoryException("upload of " + objectKey + " failed: " + e.getMessage(), e);
        }
    }

    private Future<CompletedPart> submitPart(
            String objectKey,
            String uploadId,
            int partNumber,
            byte[] buffer,
            int length,
            BlockingQueue<byte[]> buffers) {
        return partUploads.submit(() -> {
            try {
                String etag = s3.uploadPart(
                                b -> b.bucket(bucket)
                                        .key(objectKey)
                                        .uploadId(uploadId)
                                        .partNumber(partNumber)
                                        .contentLength((long) length),
                                RequestBody.fromInputStream(new ByteArrayInputStream(buffer, 0, length), length))
                        .eTag();
                return CompletedPart.builder().partNumber(partNumber).eTag(etag).build();
            } finally {
                buffers.offer(buffer);
            }
        });
    }

    private static void failFast(List<Future<CompletedPart>> parts) throws ExecutionException, InterruptedException {
        for (Future<CompletedPart> part : parts) {
            if (part.isDone()) {
                part.get(); // rethrows a failed part at once instead of after the whole stream
            }
        }
    }

    private static void confirm(UploadHooks hooks, String objectKey) {
        try {
            hooks.beforeComplete();
        } catch (RepositoryException e) {
            throw e;
        } catch (Exception e) {
            throw new RepositoryException(
                    e.getMessage() == null ? "source of " + objectKey + " was not complete" : e.getMessage(), e);
        }
    }

    private void abort(String objectKey, String uploadId, List<Future<CompletedPart>> parts) {
        for (Future<CompletedPart> part : parts) {
            part.cancel(true);
        }
        for (Future<CompletedPart> part : parts) {
            try {
                part.get();
            } catch (Exception ignored) {
                // only waiting for in-flight parts to stop before the abort
            }
        }
        try {
            s3.abortMultipartUpload(AbortMultipartUploadRequest.builder()
                    .bucket(bucket)
                    .key(objectKey)
                    .uploadId(uploadId)
                    .build());
            LOG.infof("aborted multipart upload of %s", objectKey);
        } catch (SdkException e) {
            LOG.errorf(
                    "could not abort multipart upload %s of %s: %s; a bucket lifecycle rule for incomplete "
                            + "uploads will remove it",
                    uploadId, objectKey, e.getMessage());
        }
    }

    /** Reads until the buffer is full or the stream ends; returns the bytes read (0 at end-of-stream). */
    private static int readPart(InputStream in, byte[] buffer) {
        int filled = 0;
        try {
            while (filled < buffer.length) {
                int n = in.read(buffer, filled, buffer.length - filled);
                if (n < 0) {
                    break;
                }
                filled += n;
            }
        } catch (IOException e) {
            throw new RepositoryException("reading the source failed: " + e.getMessage(), e);
        }
        return filled;
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
            blobNames = loadOrCreateBlobNames();
        }
        return blobNames;
    }

    /**
     * Reads the repository's name key, creating it on first use. Creation is a conditional PUT (If-None-Match), so
     * when several agents start at once exactly one key wins and all of them use it.
     */
    private BlobNames loadOrCreateBlobNames() {
        String objectKey = objectKey(BlobNames.KEY);
        try {
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    byte[] wrapped = s3.getObjectAsBytes(b -> b.bucket(bucket).key(objectKey))
                            .asByteArray();
                    com.google.crypto.tink.KeysetHandle key = encryption.unwrapKeyset(wrapped, BlobNames.AD);
                    if (encryption.encrypts() && encryption.wrappedByOlderKey(wrapped)) {
                        // After a KEK rotation: the same name key, wrapped by the new primary, so the old KEK can
                        // be retired once no run needs it. Concurrent rewraps write the same key: harmless.
                        byte[] rewrapped = encryption.wrap(key, BlobNames.AD);
                        s3.putObject(b -> b.bucket(bucket).key(objectKey), RequestBody.fromBytes(rewrapped));
                        LOG.infof(
                                "wrapped the blob-name key %s with key-encryption key %s",
                                objectKey, encryption.keyId().orElse("?"));
                    }
                    return BlobNames.of(key);
                } catch (NoSuchKeyException missing) {
                    com.google.crypto.tink.KeysetHandle key = BlobNames.newKey();
                    byte[] wrapped = encryption.wrap(key, BlobNames.AD);
                    try {
                        s3.putObject(
                                b -> b.bucket(bucket).key(objectKey).ifNoneMatch("*"), RequestBody.fromBytes(wrapped));
                        LOG.infof("created the blob-name key %s", objectKey);
                        return BlobNames.of(key);
                    } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
                        if (e.statusCode() != 412 && e.statusCode() != 409) {
                            throw e;
                        }
                        // another agent created it first: read theirs
                    }
                }
            }
            throw new RepositoryException("the blob-name key " + objectKey + " could not be created or read");
        } catch (java.security.GeneralSecurityException e) {
            throw new RepositoryException(
                    "the blob-name key " + objectKey + " does not decrypt with the configured "
                            + "key-encryption keys (a key that wrapped it was removed from the keyset?)",
                    e);
        } catch (SdkException e) {
            throw new RepositoryException(
                    "cannot read or create the blob-name key " + objectKey + ": " + e.getMessage(), e);
        }
    }

    /** Keys (relative to the repository prefix) under {@code keyPrefix}, with their sizes; paginated. */
    public java.util.Map<String, Long> list(String keyPrefix) {
        java.util.Map<String, Long> sizes = new java.util.TreeMap<>();
        try {
            s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(objectKey(keyPrefix)))
                    .contents()
                    .forEach(o -> sizes.put(o.key().substring(prefix.length()), o.size()));
        } catch (SdkException e) {
            throw new RepositoryException("cannot list " + objectKey(keyPrefix) + ": " + e.getMessage(), e);
        }
        return sizes;
    }

    /**
     * Keys (relative to the repository prefix) under {@code keyPrefix}, streamed page by page in S3's listing order
     * (nothing is collected); a failed page surfaces as a {@link RepositoryException} from the iterator.
     */
    public java.util.Iterator<String> keys(String keyPrefix) {
        java.util.Iterator<software.amazon.awssdk.services.s3.model.S3Object> pages;
        try {
            pages = s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(objectKey(keyPrefix)))
                    .contents()
                    .iterator();
        } catch (SdkException e) {
            throw new RepositoryException("cannot list " + objectKey(keyPrefix) + ": " + e.getMessage(), e);
        }
        return new java.util.Iterator<>() {
            @Override
            public boolean hasNext() {
                try {
                    return pages.hasNext();
                } catch (SdkException e) {
                    throw new RepositoryException("cannot list " + objectKey(keyPrefix) + ": " + e.getMessage(), e);
                }
            }

            @Override
            public String next() {
                return pages.next().key().substring(prefix.length());
            }
        };
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

    /** A multipart upload open in the repository; {@code key} is repository-relative. */
    public record OpenUpload(String key, String uploadId, java.time.Instant initiated, boolean inFlightHere) {}

    /** Every multipart upload open under the repository's prefix (paginated). */
    public List<OpenUpload> openUploads() {
        try {
            List<OpenUpload> open = new ArrayList<>();
            s3.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(prefix))
                    .uploads()
                    .forEach(u -> {
                        if (u.key().startsWith(prefix)) {
                            open.add(new OpenUpload(
                                    u.key().substring(prefix.length()),
                                    u.uploadId(),
                                    u.initiated(),
                                    uploadsInFlight.contains(u.uploadId())));
                        }
                    });
            return open;
        } catch (SdkException e) {
            throw new RepositoryException("cannot list open uploads under " + prefix + ": " + e.getMessage(), e);
        }
    }

    /** Aborts an open multipart upload (one that {@link #openUploads()} listed). */
    public void abortUpload(String key, String uploadId) {
        if (uploadsInFlight.contains(uploadId)) {
            throw new IllegalStateException("upload " + uploadId + " of " + key + " is in flight in this process");
        }
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(objectKey(key)).uploadId(uploadId));
        } catch (SdkException e) {
            throw new RepositoryException(
                    "cannot abort upload " + uploadId + " of " + objectKey(key) + ": " + e.getMessage(), e);
        }
    }

    /** Keys (relative to the repository prefix) under {@code keyPrefix}, with their last-modified times. */
    public java.util.Map<String, java.time.Instant> listModified(String keyPrefix) {
        java.util.Map<String, java.time.Instant> modified = new java.util.TreeMap<>();
        try {
            s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(objectKey(keyPrefix)))
                    .contents()
                    .forEach(o -> modified.put(o.key().substring(prefix.length()), o.lastModified()));
        } catch (SdkException e) {
            throw new RepositoryException("cannot list " + objectKey(keyPrefix) + ": " + e.getMessage(), e);
        }
        return modified;
    }

    @Override
    public void close() {
        partUploads.shutdownNow();
        s3.close();
    }
}
