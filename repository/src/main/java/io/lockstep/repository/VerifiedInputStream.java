package io.lockstep.repository;

import java.io.FilterInputStream;
import java.io.InputStream;

/**
 * The plaintext of an artifact read by {@link BackupRepository#openVerified}: the stored bytes are hashed and
 * checked against the recorded SHA-256, then decrypted. Reaching end of stream without an exception means the
 * stored bytes matched and, for an encrypted artifact, authenticated.
 */
public final class VerifiedInputStream extends FilterInputStream {

    private final VerifyingInputStream stored;

    VerifiedInputStream(InputStream plaintext, VerifyingInputStream stored) {
        super(plaintext);
        this.stored = stored;
    }

    /** Stored bytes read so far: the artifact's stored size once end of stream was reached. */
    public long storedBytes() {
        return stored.bytes();
    }

    /**
     * Reads whatever stored bytes the decryption left unread to their end, and returns the SHA-256 this stream
     * computed from every stored byte: what a verifier reports, never the SHA-256 it was asked to check. Call it
     * after the plaintext's end of stream.
     *
     * @throws IntegrityException if the stored bytes do not hash to the recorded SHA-256
     */
    public String storedSha256() throws java.io.IOException {
        String sha256 = stored.sha256();
        if (sha256 == null) {
            // A plaintext artifact's stored stream may already be at its end, and closed by the reader before it.
            stored.transferTo(java.io.OutputStream.nullOutputStream());
            sha256 = stored.sha256();
        }
        if (sha256 == null) {
            throw new IntegrityException("the stored bytes were not read to their end");
        }
        return sha256;
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
