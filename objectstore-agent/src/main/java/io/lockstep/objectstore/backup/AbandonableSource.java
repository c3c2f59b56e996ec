package io.lockstep.objectstore.backup;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The source of an upload that must not complete if its writer gives up: once {@link #abandon()}ed, the end of the
 * stream is reported as a failure, so the repository aborts the upload instead of storing what was written so far
 * (a manifest cut short by a failed copy would otherwise be a valid gzip of some of the objects).
 */
final class AbandonableSource extends FilterInputStream {

    private volatile String abandoned;

    AbandonableSource(InputStream in) {
        super(in);
    }

    /** Call before the writing end closes. */
    void abandon(String why) {
        abandoned = why;
    }

    boolean abandoned() {
        return abandoned != null;
    }

    @Override
    public int read() throws IOException {
        return check(super.read());
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return check(super.read(b, off, len));
    }

    private int check(int n) throws IOException {
        String why = abandoned;
        if (n < 0 && why != null) {
            throw new IOException("abandoned: " + why);
        }
        return n;
    }
}
