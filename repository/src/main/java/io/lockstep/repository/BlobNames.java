package io.lockstep.repository;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Mac;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.mac.HmacParameters;
import io.lockstep.protocol.ArtifactLayout;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Keyed names for content-addressed blobs: HMAC-SHA256 of the content's SHA-256 under the repository's name key,
 * so a blob's name does not reveal its content hash (which would let anyone holding the repository confirm a
 * guessed file) while equal contents still share one blob. The name key is one Tink HMAC keyset per repository,
 * stored at {@link #KEY} encrypted by the key-encryption key; it never rotates (rotating it would rename every
 * blob). After a KEK rotation the first writer that reads it wraps it again with the new primary key, so the old
 * key can later be retired.
 */
final class BlobNames {

    private static final Logger LOG = Logger.getLogger(BlobNames.class);

    /** Where the wrapped name key lives, relative to the repository prefix. */
    static final String KEY = ArtifactLayout.BLOB_NAME_KEY;

    static final byte[] AD = "lockstep blob-name key v1".getBytes(StandardCharsets.UTF_8);

    private final Mac mac;

    private BlobNames(Mac mac) {
        this.mac = mac;
    }

    static KeysetHandle newKey() throws GeneralSecurityException {
        return KeysetHandle.generateNew(HmacParameters.builder()
                .setKeySizeBytes(32)
                .setTagSizeBytes(32)
                .setHashType(HmacParameters.HashType.SHA256)
                .setVariant(HmacParameters.Variant.NO_PREFIX)
                .build());
    }

    static BlobNames of(KeysetHandle key) throws GeneralSecurityException {
        return new BlobNames(key.getPrimitive(RegistryConfiguration.get(), Mac.class));
    }

    String name(String sha256Hex) {
        try {
            return HexFormat.of()
                    .formatHex(
                            mac.computeMac(("sha256:" + sha256Hex.toLowerCase()).getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new RepositoryException("cannot compute a blob name: " + e.getMessage(), e);
        }
    }

    /**
     * Reads the repository's name key, creating it on first use. Creation is a conditional PUT (If-None-Match), so
     * when several agents start at once exactly one key wins and all of them use it.
     */
    static BlobNames loadOrCreate(S3Client s3, String bucket, String objectKey, Encryption encryption) {
        try {
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    byte[] wrapped = s3.getObjectAsBytes(b -> b.bucket(bucket).key(objectKey))
                            .asByteArray();
                    com.google.crypto.tink.KeysetHandle key = encryption.unwrapKeyset(wrapped, AD);
                    if (encryption.encrypts() && encryption.wrappedByOlderKey(wrapped)) {
                        // After a KEK rotation: the same name key, wrapped by the new primary, so the old KEK can
                        // be retired once no run needs it. Concurrent rewraps write the same key: harmless.
                        byte[] rewrapped = encryption.wrap(key, AD);
                        s3.putObject(b -> b.bucket(bucket).key(objectKey), RequestBody.fromBytes(rewrapped));
                        LOG.infof(
                                "wrapped the blob-name key %s with key-encryption key %s",
                                objectKey, encryption.keyId().orElse("?"));
                    }
                    return of(key);
                } catch (NoSuchKeyException missing) {
                    com.google.crypto.tink.KeysetHandle key = newKey();
                    byte[] wrapped = encryption.wrap(key, AD);
                    try {
                        s3.putObject(
                                b -> b.bucket(bucket).key(objectKey).ifNoneMatch("*"), RequestBody.fromBytes(wrapped));
                        LOG.infof("created the blob-name key %s", objectKey);
                        return of(key);
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
}
