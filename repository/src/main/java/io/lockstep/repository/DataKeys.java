package io.lockstep.repository;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Parameters;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.streamingaead.PredefinedStreamingAeadParameters;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BiConsumer;

/**
 * The data keys a process encrypts new artifacts with (see {@link Encryption}): one of 1 MiB segments, and one of
 * 4 KiB segments for artifacts of at most {@link Encryption#SMALL} bytes. Each is generated in memory on first use,
 * wrapped by the KEK, and replaced after {@link #LIFETIME}.
 */
final class DataKeys {

    /** How long one data key encrypts new artifacts before a new one is generated. */
    static final Duration LIFETIME = Duration.ofHours(1);

    /** A data key: its primitive, and the header (with the key wrapped) that every artifact it encrypts carries. */
    record DataKey(StreamingAead aead, ArtifactHeader header, Instant created) {}

    private final Aead kek;
    private final String kekId;
    private final byte[] associatedData;
    private final BiConsumer<byte[], StreamingAead> generated;
    private DataKey large;
    private DataKey small;

    /** @param generated told each new key, wrapped and unwrapped, so that reads of its artifacts need no KEK call */
    DataKeys(Aead kek, String kekId, byte[] associatedData, BiConsumer<byte[], StreamingAead> generated) {
        this.kek = kek;
        this.kekId = kekId;
        this.associatedData = associatedData;
        this.generated = generated;
    }

    /** The key for an artifact: {@code small} when it holds at most {@link Encryption#SMALL} bytes. */
    synchronized DataKey current(boolean small) {
        if (small) {
            if (expired(this.small)) {
                this.small = generate(PredefinedStreamingAeadParameters.AES256_GCM_HKDF_4KB);
            }
            return this.small;
        }
        if (expired(large)) {
            large = generate(PredefinedStreamingAeadParameters.AES256_GCM_HKDF_1MB);
        }
        return large;
    }

    private static boolean expired(DataKey key) {
        return key == null || key.created().plus(LIFETIME).isBefore(Instant.now());
    }

    private DataKey generate(Parameters parameters) {
        try {
            KeysetHandle handle = KeysetHandle.generateNew(parameters);
            byte[] wrapped = TinkProtoKeysetFormat.serializeEncryptedKeyset(handle, kek, associatedData);
            StreamingAead aead = handle.getPrimitive(RegistryConfiguration.get(), StreamingAead.class);
            generated.accept(wrapped, aead);
            return new DataKey(aead, new ArtifactHeader(kekId, wrapped), Instant.now());
        } catch (GeneralSecurityException e) {
            throw new RepositoryException(
                    "cannot create a data key with key-encryption key " + kekId + ": " + e.getMessage(), e);
        }
    }
}
