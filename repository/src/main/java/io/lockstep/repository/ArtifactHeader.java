package io.lockstep.repository;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The header in front of every encrypted artifact (repository format version 1):
 *
 * <pre>
 * magic      8 bytes   0x89 'L' 'S' 'E' 'N' 'C' '\r' '\n'
 * version    1 byte    1
 * kek id     1 byte length n, then n bytes UTF-8   which key-encryption key wrapped the data key, e.g. tink-123456
 * data key   2 bytes length m (big-endian), then m bytes   the data key (a Tink AES256_GCM_HKDF_1MB keyset),
 *                                                          encrypted by that key-encryption key
 * then the Tink streaming AEAD ciphertext (its own header, then 1 MiB segments each with a 16-byte tag)
 * </pre>
 *
 * The ciphertext's associated data is the whole header followed by the artifact's repository-relative key, so a
 * changed header or an artifact moved to another key fails to decrypt. An artifact whose first bytes are not the
 * magic is a plaintext artifact (written before encryption was enabled) and is read as is.
 */
record ArtifactHeader(String kekId, byte[] wrappedDataKey) {

    static final byte[] MAGIC = {(byte) 0x89, 'L', 'S', 'E', 'N', 'C', '\r', '\n'};
    static final int VERSION = 1;

    byte[] bytes() {
        byte[] id = kekId.getBytes(StandardCharsets.UTF_8);
        if (id.length > 255 || wrappedDataKey.length > 65535) {
            throw new IllegalArgumentException("key id or wrapped data key too long for the artifact header");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(MAGIC.length + 4 + id.length + wrappedDataKey.length);
        out.writeBytes(MAGIC);
        out.write(VERSION);
        out.write(id.length);
        out.writeBytes(id);
        out.write(wrappedDataKey.length >>> 8);
        out.write(wrappedDataKey.length & 0xff);
        out.writeBytes(wrappedDataKey);
        return out.toByteArray();
    }

    /** The associated data that binds the ciphertext to this header and to the artifact's key. */
    byte[] associatedData(String key) {
        byte[] header = bytes();
        byte[] path = key.getBytes(StandardCharsets.UTF_8);
        byte[] aad = Arrays.copyOf(header, header.length + path.length);
        System.arraycopy(path, 0, aad, header.length, path.length);
        return aad;
    }

    static boolean isMagic(byte[] first) {
        return Arrays.equals(first, MAGIC);
    }

    /** Reads the rest of the header after the magic. */
    static ArtifactHeader readAfterMagic(InputStream in, String objectKey) throws IOException {
        DataInputStream data = new DataInputStream(in);
        try {
            int version = data.readUnsignedByte();
            if (version != VERSION) {
                throw new IntegrityException("artifact " + objectKey + " has encryption format version " + version
                        + ", which this Lockstep does not know (it reads version " + VERSION + ")");
            }
            byte[] id = new byte[data.readUnsignedByte()];
            data.readFully(id);
            byte[] wrapped = new byte[data.readUnsignedShort()];
            data.readFully(wrapped);
            return new ArtifactHeader(new String(id, StandardCharsets.UTF_8), wrapped);
        } catch (EOFException e) {
            throw new IntegrityException(
                    "artifact " + objectKey + " is truncated: it ends inside its encryption header");
        }
    }
}
