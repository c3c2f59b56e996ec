package io.lockstep.repository;

import io.lockstep.protocol.ArtifactLayout;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Reads of blobs kept as records inside packs, for {@link BackupRepository#openPacked}: one ranged GET a record,
 * decoded (decrypted and authenticated, or as it lies) like any artifact, with the places a lost or quarantined pack
 * leaves its records: the blob's own key, then the pack kept aside in {@code quarantine/}.
 */
final class PackedReads {

    private final S3Client s3;
    private final String bucket;
    private final UnaryOperator<String> objectKeys;
    private final Encryption encryption;
    private final Function<String, InputStream> ownKey;

    /**
     * @param objectKeys the object key of a repository-relative key
     * @param ownKey opens an artifact under its own key ({@link BackupRepository#open})
     */
    PackedReads(
            S3Client s3,
            String bucket,
            UnaryOperator<String> objectKeys,
            Encryption encryption,
            Function<String, InputStream> ownKey) {
        this.s3 = s3;
        this.bucket = bucket;
        this.objectKeys = objectKeys;
        this.encryption = encryption;
        this.ownKey = ownKey;
    }

    /** See {@link BackupRepository#openPacked}. */
    InputStream open(String pack, long offset, long length, String key) {
        if (offset < 0 || length < 0) {
            throw new RepositoryException(
                    "invalid location of " + key + " in pack " + objectKeys.apply(pack) + ": " + offset + "+" + length);
        }
        if (length == 0) { // an empty plaintext record: nothing to ask for (a range cannot be empty)
            return InputStream.nullInputStream();
        }
        InputStream record = range(pack, offset, length, key);
        if (record != null) {
            return record;
        }
        // A pack taken aside as damaged: the next backup copied its blobs again, each under its own key; an object
        // gone from the source since has no such copy, and its intact record is read where the pack was kept aside.
        try {
            return ownKey.apply(key);
        } catch (RepositoryException e) {
            if (!(e.getCause() instanceof NoSuchKeyException)) {
                throw e;
            }
        }
        record = range(ArtifactLayout.quarantined(pack), offset, length, key);
        if (record == null) {
            throw new RepositoryException("pack " + objectKeys.apply(pack) + " does not exist in bucket " + bucket
                    + ", nor a copy of " + objectKeys.apply(key) + " under its own key or in quarantine");
        }
        return record;
    }

    /** A record's plaintext from one stored object, or null if that object does not exist. */
    private InputStream range(String stored, long offset, long length, String key) {
        String objectKey = objectKeys.apply(stored);
        String range = "bytes=" + offset + "-" + (offset + length - 1);
        String where = objectKey + " [" + offset + ", " + (offset + length) + ") (" + key + ")";
        InputStream in;
        try {
            in = s3.getObject(b -> b.bucket(bucket).key(objectKey).range(range));
        } catch (NoSuchKeyException e) {
            return null;
        } catch (S3Exception e) {
            if (e.statusCode() != 416) {
                throw new RepositoryException("cannot read " + where + ": " + e.getMessage(), e);
            }
            // the record lies past the object's end: a truncated pack, damage like any other
            DamagedArtifactException truncated =
                    new DamagedArtifactException(where + " lies past the end of " + objectKey);
            in = new InputStream() {
                @Override
                public int read() throws IOException {
                    throw truncated;
                }
            };
        } catch (SdkException e) {
            throw new RepositoryException("cannot read " + where + ": " + e.getMessage(), e);
        }
        return new DecodingInputStream(new ExactLength(in, length, where), key, where, encryption);
    }
}
