package io.lockstep.repository;

import java.io.IOException;
import java.io.InputStream;

/**
 * An input stream that does all its work in {@link #read(byte[], int, int)}: the single-byte read goes through it,
 * so hashing, decryption and error translation are written once per stream. No mark, no reset.
 */
abstract class BlockReadInputStream extends InputStream {

    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public abstract int read(byte[] b, int off, int len) throws IOException;

    @Override
    public boolean markSupported() {
        return false;
    }
}
