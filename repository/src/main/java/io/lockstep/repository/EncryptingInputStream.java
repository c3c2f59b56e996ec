package io.lockstep.repository;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Turns a plaintext stream into the stored form of an encrypted artifact (header, then Tink's streaming AEAD
 * ciphertext) as it is read, without a thread or a temporary file: plaintext is pushed through Tink's encrypting
 * stream into a buffer that the reader drains. The buffer holds at most one ciphertext segment (1 MiB) plus the
 * last plaintext chunk, whatever the artifact's size.
 */
final class EncryptingInputStream extends BlockReadInputStream {

    private static final int CHUNK = 64 * 1024;
    /** The chunk and first drain size for a small plaintext (4 KiB segments). */
    private static final int SMALL_CHUNK = 8 * 1024;

    private final InputStream plaintext;
    private final Drain ciphertext;
    private final OutputStream encrypting;
    private final byte[] chunk;
    private boolean finished;

    EncryptingInputStream(InputStream plaintext, byte[] header, boolean small, EncryptingStreamFactory factory)
            throws IOException {
        this.plaintext = plaintext;
        this.chunk = new byte[small ? SMALL_CHUNK : CHUNK];
        this.ciphertext = new Drain(chunk.length);
        ciphertext.write(header);
        this.encrypting = factory.open(ciphertext);
    }

    /** Opens Tink's encrypting stream over the drain. */
    @FunctionalInterface
    interface EncryptingStreamFactory {
        OutputStream open(OutputStream sink) throws IOException;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (ciphertext.remaining() == 0) {
            if (finished) {
                return -1;
            }
            int n = plaintext.read(chunk, 0, chunk.length);
            if (n < 0) {
                finished = true;
                encrypting.close(); // writes the final segment with its last-segment flag and tag
            } else if (n > 0) {
                encrypting.write(chunk, 0, n);
            }
        }
        return ciphertext.drain(b, off, len);
    }

    @Override
    public void close() throws IOException {
        plaintext.close();
    }

    /** An output buffer read from the front; it is emptied before it is written again, so it stays small. */
    private static final class Drain extends OutputStream {
        private byte[] buffer;
        private int start;
        private int end;

        Drain(int size) {
            buffer = new byte[size];
        }

        int remaining() {
            return end - start;
        }

        int drain(byte[] b, int off, int len) {
            int n = Math.min(len, remaining());
            System.arraycopy(buffer, start, b, off, n);
            start += n;
            return n;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (start == end) {
                start = 0;
                end = 0;
            }
            if (end + len > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, end + len));
            }
            System.arraycopy(b, off, buffer, end, len);
            end += len;
        }

        @Override
        public void close() {
            // the encrypting stream closes its sink; the bytes stay to be drained
        }
    }
}
