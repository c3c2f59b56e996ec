package io.lockstep.repository;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Hashes the bytes it passes through and, at end of stream, compares the SHA-256 with the one recorded when the
 * artifact was written. A mismatch is thrown as {@link IntegrityException} instead of the end of stream, so a
 * reader that streams into a restore never sees a clean end of a corrupted artifact.
 */
public final class VerifyingInputStream extends BlockReadInputStream {

    private final InputStream in;
    private final String key;
    private final String expectedSha256;
    private final MessageDigest digest = Hashing.sha256();
    private long bytes;
    private boolean checked;
    private String actual;

    public VerifyingInputStream(InputStream in, String key, String expectedSha256) {
        this.in = in;
        this.key = key;
        this.expectedSha256 = expectedSha256;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            digest.update(b, off, n);
            bytes += n;
        } else if (n < 0) {
            check();
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[8192];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    long bytes() {
        return bytes;
    }

    /** The SHA-256 the stored bytes hashed to, once end of stream was reached (and checked); null before. */
    String sha256() {
        return actual;
    }

    @Override
    public int available() throws IOException {
        return in.available();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private void check() throws IntegrityException {
        if (checked) {
            return;
        }
        checked = true;
        actual = Hashing.hex(digest);
        if (!actual.equalsIgnoreCase(expectedSha256)) {
            throw new DamagedArtifactException(
                    "artifact " + key + " is corrupted: its " + bytes + " bytes hash to SHA-256 " + actual + " but "
                            + expectedSha256 + " was recorded when it was written");
        }
    }
}
