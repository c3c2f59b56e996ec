package io.lockstep.repository;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.mac.MacConfig;
import com.google.crypto.tink.streamingaead.StreamingAeadConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Client-side envelope encryption of artifacts with Google Tink.
 * <ul>
 * <li>A <b>key-encryption key</b> (KEK) is a Tink AEAD keyset (AES256_GCM keys) from a file or an environment
 * variable, or any other {@link Aead} (for example a KMS key) through {@link #withKeyEncryptionKey}. Its primary
 * key wraps new data keys; every other key in the keyset still unwraps the data keys it wrapped, which is how
 * rotation keeps old artifacts readable.</li>
 * <li>A <b>data key</b> is a fresh Tink streaming AEAD keyset (AES256_GCM_HKDF_1MB), generated in memory, wrapped by
 * the KEK and stored, wrapped, in the header of each artifact it encrypts (see {@link ArtifactHeader}). One data key
 * serves a process for at most {@link DataKeys#LIFETIME}; Tink derives a separate key per artifact from it and a
 * random salt, so reuse is safe and saves a KEK call per object blob. Artifacts known to be smaller than one such
 * segment ({@link #SMALL}: object blobs, manifests) are encrypted with a second data key of 4 KiB segments
 * (AES256_GCM_HKDF_4KB): Tink's encrypting stream holds two segments, so a 4 KiB blob under a 1 MiB-segment key
 * allocated 2 MiB, and a first copy of 10,000 small objects spent its CPU collecting garbage. The segment size
 * travels in the wrapped data key of each artifact's header, so reading needs nothing new.</li>
 * </ul>
 * Nothing here logs or prints key material; {@link #toString()} names only the key id.
 */
public final class Encryption {

    private static final byte[] DATA_KEY_AD = "lockstep data key v1".getBytes(StandardCharsets.UTF_8);
    private static final int UNWRAPPED_CACHE = 64;

    static {
        try {
            AeadConfig.register();
            StreamingAeadConfig.register();
            MacConfig.register();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final Encryption NONE = new Encryption(null, null, null, Set.of(), false);

    private final Aead kek;
    private final String kekId;
    /** The Tink id of the primary KEK; null when the KEK is not a Tink keyset (a KMS key). */
    private final Integer primaryTinkId;

    private final Set<String> kekIds;
    private final boolean encryptNew;
    /** Plaintexts up to this size (one segment of the large data key) may be encrypted with the small data key. */
    static final int SMALL = 1 << 20;

    private final DataKeys dataKeys;
    private final Map<ByteBuffer, StreamingAead> unwrapped = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteBuffer, StreamingAead> eldest) {
            return size() > UNWRAPPED_CACHE;
        }
    };

    private Encryption(Aead kek, String kekId, Integer primaryTinkId, Set<String> kekIds, boolean encryptNew) {
        this.kek = kek;
        this.kekId = kekId;
        this.primaryTinkId = primaryTinkId;
        this.kekIds = kekIds;
        this.encryptNew = encryptNew;
        this.dataKeys = new DataKeys(kek, kekId, DATA_KEY_AD, (wrapped, aead) -> {
            synchronized (this) {
                unwrapped.put(ByteBuffer.wrap(wrapped), aead);
            }
        });
        if (kek != null) {
            CipherWarmUp.start();
        }
    }

    /** No key at all: artifacts are written in plaintext, and encrypted ones cannot be read. */
    public static Encryption none() {
        return NONE;
    }

    /**
     * From configuration: the KEK keyset from {@code keysetFile} or else {@code keysetJson} (the keyset itself, for
     * an environment variable). With {@code enabled} new artifacts are encrypted, and a missing keyset is an error;
     * without it a configured keyset is only used to read encrypted artifacts.
     */
    public static Encryption configure(boolean enabled, Optional<Path> keysetFile, Optional<String> keysetJson) {
        return configure(enabled, keysetFile, keysetJson, Optional.empty(), Optional.empty());
    }

    /**
     * As {@link #configure(boolean, Optional, Optional)}, or with {@code kmsKeyArn} a key-encryption key in AWS KMS
     * (see {@link AwsKmsKeyEncryptionKey}); a keyset and a KMS key together are refused as ambiguous.
     */
    public static Encryption configure(
            boolean enabled,
            Optional<Path> keysetFile,
            Optional<String> keysetJson,
            Optional<String> kmsKeyArn,
            Optional<String> kmsRegion) {
        Optional<String> arn = kmsKeyArn.filter(s -> !s.isBlank());
        if (arn.isPresent()) {
            if (keysetFile.isPresent() || keysetJson.filter(s -> !s.isBlank()).isPresent()) {
                throw new RepositoryException("configure either an encryption keyset or lockstep.repository.encryption"
                        + ".kms-key-arn, not both");
            }
            return AwsKmsKeyEncryptionKey.encryption(arn.get(), kmsRegion.filter(s -> !s.isBlank()), enabled);
        }
        Optional<String> json;
        if (keysetFile.isPresent()) {
            try {
                json = Optional.of(Files.readString(keysetFile.get()));
            } catch (IOException e) {
                throw new RepositoryException("cannot read the encryption keyset file " + keysetFile.get() + ": "
                        + e.getClass().getSimpleName());
            }
        } else {
            json = keysetJson.filter(s -> !s.isBlank());
        }
        if (json.isEmpty()) {
            if (enabled) {
                throw new RepositoryException("repository encryption is enabled but no keyset is configured: set "
                        + "lockstep.repository.encryption.keyset-file, LOCKSTEP_REPOSITORY_ENCRYPTION_KEYSET or "
                        + "lockstep.repository.encryption.kms-key-arn");
            }
            return none();
        }
        return fromKeyset(json.get(), enabled);
    }

    /** From a Tink JSON keyset of AEAD keys; its primary key wraps new data keys. */
    public static Encryption fromKeyset(String keysetJson, boolean encryptNew) {
        try {
            KeysetHandle handle = TinkJsonProtoKeysetFormat.parseKeyset(keysetJson, InsecureSecretKeyAccess.get());
            Set<String> ids = new TreeSet<>();
            for (int i = 0; i < handle.size(); i++) {
                ids.add(keyId(handle.getAt(i).getId()));
            }
            return new Encryption(
                    handle.getPrimitive(RegistryConfiguration.get(), Aead.class),
                    keyId(handle.getPrimary().getId()),
                    handle.getPrimary().getId(),
                    ids,
                    encryptNew);
        } catch (GeneralSecurityException | RuntimeException e) {
            // Tink's messages name no key material, but keep even the class only: the input is a secret.
            throw new RepositoryException("the encryption keyset is not a valid Tink JSON keyset of AEAD keys ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * With any key-encryption key, for example an AWS KMS key wrapped as a Tink {@link Aead}; {@code kekId} is what
     * artifact headers and run manifests record (the key's ARN, never material).
     */
    public static Encryption withKeyEncryptionKey(Aead kek, String kekId, boolean encryptNew) {
        return new Encryption(kek, kekId, null, Set.of(kekId), encryptNew);
    }

    static String keyId(int tinkKeyId) {
        return "tink-" + Integer.toUnsignedString(tinkKeyId);
    }

    /** Whether new artifacts are encrypted. */
    public boolean encrypts() {
        return encryptNew;
    }

    /** The id of the key-encryption key that wraps new data keys, if new artifacts are encrypted. */
    public Optional<String> keyId() {
        return encryptNew ? Optional.of(kekId) : Optional.empty();
    }

    /** A new Tink JSON keyset with one AES256_GCM key: a key-encryption key for {@link #fromKeyset}. */
    public static String generateKeyset() {
        try {
            return TinkJsonProtoKeysetFormat.serializeKeyset(
                    KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM), InsecureSecretKeyAccess.get());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a keyset", e);
        }
    }

    /** The keyset with a new AES256_GCM key added as primary; the old keys stay, so old artifacts stay readable. */
    public static String rotateKeyset(String keysetJson) {
        try {
            KeysetHandle old = TinkJsonProtoKeysetFormat.parseKeyset(keysetJson, InsecureSecretKeyAccess.get());
            KeysetHandle rotated = KeysetHandle.newBuilder(old)
                    .addEntry(KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM)
                            .withRandomId()
                            .makePrimary())
                    .build();
            return TinkJsonProtoKeysetFormat.serializeKeyset(rotated, InsecureSecretKeyAccess.get());
        } catch (GeneralSecurityException e) {
            throw new RepositoryException(
                    "cannot rotate the keyset: " + e.getClass().getSimpleName());
        }
    }

    /**
     * The stored form of an artifact: header, then ciphertext bound to {@code key}. The source is read up to
     * {@link #SMALL} + 1 bytes ahead: one that ends within {@link #SMALL} is encrypted with the 4 KiB-segment data key
     * and small buffers, anything longer with the 1 MiB-segment one.
     */
    InputStream encrypt(String key, InputStream plaintext) {
        byte[] head;
        try {
            head = plaintext.readNBytes(SMALL + 1);
        } catch (IOException e) {
            throw new RepositoryException("reading the source failed: " + e.getMessage(), e);
        }
        boolean small = head.length <= SMALL;
        InputStream source = small
                ? new ByteArrayInputStream(head)
                : new SequenceInputStream(new ByteArrayInputStream(head), plaintext);
        DataKeys.DataKey dataKey = dataKeys.current(small);
        try {
            return new EncryptingInputStream(source, dataKey.header().bytes(), small, sink -> {
                try {
                    return dataKey.aead()
                            .newEncryptingStream(sink, dataKey.header().associatedData(key));
                } catch (GeneralSecurityException e) {
                    throw new IOException("cannot start encrypting " + key, e);
                }
            });
        } catch (IOException e) {
            throw new RepositoryException("cannot start encrypting " + key + ": " + e.getMessage(), e);
        }
    }

    /** The data key of an artifact's header, unwrapped by the KEK; a wrong or missing KEK is an IntegrityException. */
    StreamingAead unwrap(ArtifactHeader header, String objectKey) throws IntegrityException {
        if (kek == null) {
            throw new UnreadableKeyException(
                    "artifact " + objectKey + " is encrypted with key-encryption key " + header.kekId()
                            + ", but no encryption keyset is configured here "
                            + "(lockstep.repository.encryption.keyset-file or LOCKSTEP_REPOSITORY_ENCRYPTION_KEYSET)",
                    header.kekId());
        }
        ByteBuffer wrapped = ByteBuffer.wrap(header.wrappedDataKey());
        synchronized (this) {
            StreamingAead known = unwrapped.get(wrapped);
            if (known != null) {
                return known;
            }
        }
        try {
            StreamingAead aead = TinkProtoKeysetFormat.parseEncryptedKeyset(header.wrappedDataKey(), kek, DATA_KEY_AD)
                    .getPrimitive(RegistryConfiguration.get(), StreamingAead.class);
            synchronized (this) {
                unwrapped.put(wrapped, aead);
            }
            return aead;
        } catch (GeneralSecurityException e) {
            String why = kekIds.contains(header.kekId())
                    ? "its data key does not unwrap with key-encryption key " + header.kekId()
                            + " (the header or the key was altered, or the key service refused: " + e.getMessage() + ")"
                    : "it needs key-encryption key " + header.kekId() + ", which the configured keyset " + kekIds
                            + " lacks (wrong key, or an old key was removed after a rotation)";
            throw new UnreadableKeyException("artifact " + objectKey + " cannot be decrypted: " + why, header.kekId());
        }
    }

    /** Encrypts a small secret (a keyset) with the KEK, for storing a repository-wide key. */
    byte[] wrap(KeysetHandle keyset, byte[] associatedData) throws GeneralSecurityException {
        return TinkProtoKeysetFormat.serializeEncryptedKeyset(keyset, requireKek(), associatedData);
    }

    /**
     * Whether a keyset from {@link #wrap} was wrapped by an older key of the KEK keyset than its primary (read from
     * the Tink ciphertext's key id prefix), so it should be wrapped again before that key can be retired.
     */
    boolean wrappedByOlderKey(byte[] wrapped) {
        if (primaryTinkId == null) {
            return false;
        }
        try {
            byte[] ciphertext = com.google.crypto.tink.proto.EncryptedKeyset.parseFrom(wrapped)
                    .getEncryptedKeyset()
                    .toByteArray();
            return ciphertext.length >= 5
                    && ciphertext[0] == 1
                    && ByteBuffer.wrap(ciphertext, 1, 4).getInt() != primaryTinkId;
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return false;
        }
    }

    KeysetHandle unwrapKeyset(byte[] wrapped, byte[] associatedData) throws GeneralSecurityException {
        return TinkProtoKeysetFormat.parseEncryptedKeyset(wrapped, requireKek(), associatedData);
    }

    private Aead requireKek() {
        if (kek == null) {
            throw new RepositoryException("no encryption keyset is configured");
        }
        return kek;
    }

    /** Whether any KEK is configured (to read encrypted artifacts or name blobs). */
    boolean hasKey() {
        return kek != null;
    }

    @Override
    public String toString() {
        return kek == null ? "Encryption[none]" : "Encryption[kek=" + kekId + ", encryptNew=" + encryptNew + "]";
    }
}
