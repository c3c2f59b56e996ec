package io.lockstep.repository;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Mac;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.mac.HmacParameters;
import io.lockstep.protocol.ArtifactLayout;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * Keyed names for content-addressed blobs: HMAC-SHA256 of the content's SHA-256 under the repository's name key,
 * so a blob's name does not reveal its content hash (which would let anyone holding the repository confirm a
 * guessed file) while equal contents still share one blob. The name key is one Tink HMAC keyset per repository,
 * stored at {@link #KEY} encrypted by the key-encryption key; it never rotates (rotating it would rename every
 * blob). After a KEK rotation the first writer that reads it wraps it again with the new primary key, so the old
 * key can later be retired.
 */
final class BlobNames {

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
}
