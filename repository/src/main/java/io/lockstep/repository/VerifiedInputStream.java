package io.lockstep.repository;

import java.io.FilterInputStream;
import java.io.IOException;
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

    /**
     * Stored bytes read past a decryption failure to learn whether they still hash to the recorded SHA-256: with 4 KiB
     * segments a damaged artifact fails authentication long before its end, where the hash is compared.
     */
    static final long DIAGNOSE_UP_TO = 8L << 20;

    @Override
    public int read() throws IOException {
        try {
            return super.read();
        } catch (DamagedArtifactException failed) {
            throw diagnosed(failed);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            return super.read(b, off, len);
        } catch (DamagedArtifactException failed) {
            throw diagnosed(failed);
        }
    }

    /**
     * A decryption that failed authentication before the stored bytes' end, when at most {@link #DIAGNOSE_UP_TO} of
     * them remain: they are read, and if they no longer hash to the SHA-256 recorded when they were written, that is
     * the failure reported (the bytes changed in the repository: the same words whatever the artifact's segment size).
     * Otherwise, or when more remains, the decryption's failure stands.
     */
    private DamagedArtifactException diagnosed(DamagedArtifactException failed) {
        if (stored.sha256() != null) {
            return failed; // the stored bytes were already hashed and compared
        }
        try {
            stored.skip(DIAGNOSE_UP_TO); // reads and hashes; at their end a mismatch throws
        } catch (DamagedArtifactException mismatch) {
            mismatch.addSuppressed(failed);
            return mismatch;
        } catch (IOException e) {
            failed.addSuppressed(e);
        }
        return failed;
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
