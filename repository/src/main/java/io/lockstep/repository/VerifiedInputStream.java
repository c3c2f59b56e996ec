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

    @Override
    public boolean markSupported() {
        return false;
    }
}
