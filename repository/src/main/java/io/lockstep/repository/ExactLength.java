package io.lockstep.repository;

import java.io.IOException;
import java.io.InputStream;

/** Ends a ranged read after exactly {@code length} bytes; fewer is a truncated record (damage). */
final class ExactLength extends BlockReadInputStream {
    private final InputStream in;
    private final String where;
    private long left;

    ExactLength(InputStream in, long length, String where) {
        this.in = in;
        this.left = length;
        this.where = where;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (left == 0) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, left));
        if (n < 0) {
            throw new DamagedArtifactException(where + " is truncated: " + left + " bytes missing");
        }
        left -= n;
        return n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
