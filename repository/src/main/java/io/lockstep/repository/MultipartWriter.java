package io.lockstep.repository;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The repository's writer: streams an upload of unknown length as a multipart upload, hashing every byte with
 * SHA-256 on the way, with memory bounded by {@code partSize x (concurrency + 1)} whatever the artifact's size. Any
 * failure, including the source refusing at {@link UploadHooks#beforeComplete()}, aborts the upload, so no half
 * artifact ever becomes an object.
 *
 * <p>Run artifacts (keys under {@code runs/}) are written once: the writer checks with a HEAD that the key does not
 * exist before it reads the source, and sends {@code If-None-Match: *} on the PutObject or
 * CompleteMultipartUpload, so a store that honours conditional writes (S3 since 2024) refuses a concurrent second
 * write too. A store that ignores the header is protected by the HEAD only: two writes of the same key racing
 * between the HEAD and the completion can still both succeed (residual race; the coordinator never dispatches one
 * step twice at once, so only a re-delivery racing its original could hit it). A refused write throws
 * {@link ArtifactExistsException} and leaves the stored bytes as they were.
 */
final class MultipartWriter {

    private static final Logger LOG = Logger.getLogger(MultipartWriter.class);

    /** Keys under this prefix are written once. */
    static final String WRITE_ONCE_PREFIX = "runs/";

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final int partSize;
    private final int concurrency;
    private final Encryption encryption;
    private final ExecutorService partUploads;
    /** Multipart uploads this process has open right now: a sweeper never aborts them. */
    private final Set<String> uploadsInFlight = ConcurrentHashMap.newKeySet();
    /** Uploads aborted after a failure since this writer was made, for the agents' metrics. */
    private final java.util.concurrent.atomic.AtomicLong aborted = new java.util.concurrent.atomic.AtomicLong();

    MultipartWriter(S3Client s3, String bucket, String prefix, int partSize, int concurrency, Encryption encryption) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
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

    long aborted() {
        return aborted.get();
    }

    boolean inFlight(String uploadId) {
        return uploadsInFlight.contains(uploadId);
    }

    static boolean writtenOnce(String key) {
        return key.startsWith(WRITE_ONCE_PREFIX);
    }

    void close() {
        partUploads.shutdownNow();
    }

    /**
     * Streams {@code in} to the repository until end-of-stream, encrypted when encryption is on. See the class
     * comment for the guarantees. The result's bytes and SHA-256 are those of the stored bytes.
     */
    UploadResult upload(String key, InputStream plaintext, UploadHooks hooks) {
        String objectKey = prefix + key;
        boolean once = writtenOnce(key);
        if (once && stored(objectKey)) {
            throw new ArtifactExistsException(key, objectKey);
        }
        InputStream in = encryption.encrypts() ? encryption.encrypt(key, plaintext) : plaintext;
        MessageDigest sha = Hashing.sha256();
        byte[] first = readFirstPart(in);
        int firstLength = first.length; // a whole part (partSize) when the source holds more
        sha.update(first, 0, firstLength);
        if (firstLength < partSize) {
            Instant ended = Instant.now();
            // Small artifact: a single PUT, still only after the source confirms it is whole.
            confirm(hooks, objectKey);
            try {
                s3.putObject(
                        b -> b.bucket(bucket).key(objectKey).ifNoneMatch(once ? "*" : null),
                        RequestBody.fromInputStream(new ByteArrayInputStream(first, 0, firstLength), firstLength));
            } catch (SdkException e) {
                if (once && refused(e)) {
                    throw new ArtifactExistsException(key, objectKey, e);
                }
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
            Instant sourceEnded = Instant.now();
            List<CompletedPart> completed = new ArrayList<>(parts.size());
            for (Future<CompletedPart> part : parts) {
                completed.add(part.get());
            }
            confirm(hooks, objectKey);
            s3.completeMultipartUpload(b -> b.bucket(bucket)
                    .key(objectKey)
                    .ifNoneMatch(writtenOnce(key) ? "*" : null)
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
        } catch (SdkException e) {
            abort(objectKey, uploadId, parts);
            if (writtenOnce(key) && refused(e)) {
                throw new ArtifactExistsException(key, objectKey, e);
            }
            throw new RepositoryException("upload of " + objectKey + " failed: " + e.getMessage(), e);
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
            aborted.incrementAndGet();
            LOG.infof("aborted multipart upload of %s", objectKey);
        } catch (SdkException e) {
            LOG.errorf(
                    "could not abort multipart upload %s of %s: %s; a bucket lifecycle rule for incomplete "
                            + "uploads will remove it",
                    uploadId, objectKey, e.getMessage());
        }
    }

    /** Reads until the buffer is full or the stream ends; returns the bytes read (0 at end-of-stream). */
    /** The first read of an upload starts this small and doubles as it fills, up to a part. */
    static final int FIRST_READ = 64 * 1024;

    /**
     * Reads the source's first part into a buffer that grows as it fills, so a small artifact (a 4 KiB blob) holds a
     * few KiB, not a whole part: sixteen copies at once each allocating a part (8 MiB) ran a 256 MiB agent out of
     * heap. Returns the bytes read, exactly as long as what the source held, or a full part's buffer ({@link
     * #partSize} long, full) when there may be more.
     */
    private byte[] readFirstPart(InputStream in) {
        byte[] buffer = new byte[Math.min(FIRST_READ, partSize)];
        int filled = 0;
        while (true) {
            int n = readPart(in, buffer, filled);
            filled += n;
            if (filled < buffer.length) {
                return java.util.Arrays.copyOf(buffer, filled); // the source ended
            }
            if (buffer.length == partSize) {
                return buffer; // a whole part: multipart
            }
            buffer = java.util.Arrays.copyOf(buffer, (int) Math.min((long) buffer.length * 2, partSize));
        }
    }

    /** Fills {@code buffer} from {@code offset}; returns the bytes read (fewer than asked only at the source's end). */
    private static int readPart(InputStream in, byte[] buffer, int offset) {
        int filled = offset;
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
        return filled - offset;
    }

    private static int readPart(InputStream in, byte[] buffer) {
        return readPart(in, buffer, 0);
    }

    /** Whether an object exists (a HEAD); a failure other than 404 fails the write rather than risk an overwrite. */
    private boolean stored(String objectKey) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(objectKey));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw new RepositoryException("cannot check " + objectKey + " before writing it: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new RepositoryException("cannot check " + objectKey + " before writing it: " + e.getMessage(), e);
        }
    }

    /** A conditional write refused: 412 (the key exists) or 409 (a concurrent write or delete of it). */
    private static boolean refused(SdkException e) {
        return e instanceof S3Exception s3e && (s3e.statusCode() == 412 || s3e.statusCode() == 409);
    }
}
