package io.lockstep.repository;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The repository's listings (paginated, relative to its prefix) and the sweep of open multipart uploads: an upload
 * this process has in flight is never aborted.
 */
final class RepositoryListing {

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final Predicate<String> inFlight;

    RepositoryListing(S3Client s3, String bucket, String prefix, Predicate<String> inFlight) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
        this.inFlight = inFlight;
    }

    private String objectKey(String key) {
        return prefix + key;
    }

    /** Keys (relative to the repository prefix) under {@code keyPrefix}, with their sizes; paginated. */
    java.util.Map<String, Long> list(String keyPrefix) {
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
    java.util.Iterator<String> keys(String keyPrefix) {
        return keys(keyPrefix, 1000);
    }

    /** As {@link #keys(String)}, asking for at most {@code pageSize} keys a request. */
    java.util.Iterator<String> keys(String keyPrefix, int pageSize) {
        java.util.Iterator<software.amazon.awssdk.services.s3.model.S3Object> pages;
        try {
            pages = s3.listObjectsV2Paginator(
                            b -> b.bucket(bucket).prefix(objectKey(keyPrefix)).maxKeys(pageSize))
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

    /** Every multipart upload open under the repository's prefix (paginated). */
    List<BackupRepository.OpenUpload> openUploads() {
        try {
            List<BackupRepository.OpenUpload> open = new ArrayList<>();
            s3.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(prefix))
                    .uploads()
                    .forEach(u -> {
                        if (u.key().startsWith(prefix)) {
                            open.add(new BackupRepository.OpenUpload(
                                    u.key().substring(prefix.length()),
                                    u.uploadId(),
                                    u.initiated(),
                                    inFlight.test(u.uploadId())));
                        }
                    });
            return open;
        } catch (SdkException e) {
            throw new RepositoryException("cannot list open uploads under " + prefix + ": " + e.getMessage(), e);
        }
    }

    /** Aborts an open multipart upload (one that {@link #openUploads()} listed). */
    void abortUpload(String key, String uploadId) {
        if (inFlight.test(uploadId)) {
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
    java.util.Map<String, java.time.Instant> listModified(String keyPrefix) {
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
}
