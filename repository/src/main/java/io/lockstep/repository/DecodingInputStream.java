package io.lockstep.repository;

import com.google.crypto.tink.StreamingAead;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.security.GeneralSecurityException;

/**
 * Reads an artifact's stored bytes and returns its plaintext: an encrypted artifact (header magic) is decrypted
 * while it streams, a plaintext one is passed through. The header is read on the first read, so every failure
 * (wrong or missing key, altered or truncated ciphertext, a file moved from another key) surfaces from
 * {@code read} as an {@link IntegrityException} naming the artifact. Failures of the source itself (the network,
 * or a {@link VerifyingInputStream} that found a SHA-256 mismatch) pass through unchanged.
 */
final class DecodingInputStream extends BlockReadInputStream {

    private final Source stored;
    private final String key;
    private final String objectKey;
    private final Encryption encryption;
    private InputStream plaintext;

    DecodingInputStream(InputStream stored, String key, String objectKey, Encryption encryption) {
        this.stored = new Source(stored);
        this.key = key;
        this.objectKey = objectKey;
        this.encryption = encryption;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            if (plaintext == null) {
                plaintext = start();
            }
            return plaintext.read(b, off, len);
        } catch (IOException e) {
            throw translate(e);
        }
    }

    private InputStream start() throws IOException {
        byte[] first = stored.readNBytes(ArtifactHeader.MAGIC.length);
        if (!ArtifactHeader.isMagic(first)) {
            return new SequenceInputStream(new ByteArrayInputStream(first), stored);
        }
        ArtifactHeader header = ArtifactHeader.readAfterMagic(stored, objectKey);
        StreamingAead aead = encryption.unwrap(header, objectKey);
        try {
            return aead.newDecryptingStream(stored, header.associatedData(key));
        } catch (GeneralSecurityException e) {
            throw new IntegrityException("artifact " + objectKey + " cannot be decrypted: " + e.getMessage());
        }
    }

    private IOException translate(IOException e) {
        if (stored.failure != null) {
            return stored.failure; // the source failed; Tink may have reported it as "no matching key"
        }
        if (e instanceof IntegrityException) {
            return e;
        }
        return new DamagedArtifactException("artifact " + objectKey + " failed authentication while decrypting: it was "
                + "altered or truncated, or it was moved here from another key (" + e.getMessage() + ")");
    }

    @Override
    public void close() throws IOException {
        stored.close();
    }

    /** Remembers the source's own failure so it is not mistaken for a decryption failure. */
    private static final class Source extends FilterInputStream {
        IOException failure;

        Source(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
