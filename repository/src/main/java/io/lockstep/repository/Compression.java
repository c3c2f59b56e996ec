package io.lockstep.repository;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The codec of compressed artifacts: zstd frames (RFC 8878), written with a content checksum, so any standard
 * {@code zstd -d} reads them. Artifacts describe themselves: a reader sniffs the zstd frame magic, and an artifact
 * that does not start with it (a PostgreSQL dump compressed by pg_dump itself, written before this codec) is read as
 * it is. Compression happens before encryption; a step records the codec in its evidence ({@code codec}).
 */
public final class Compression {

    /** The evidence value of an artifact compressed by this class. */
    public static final String ZSTD = "zstd";

    private static final byte[] ZSTD_MAGIC = {(byte) 0x28, (byte) 0xB5, (byte) 0x2F, (byte) 0xFD};
    private static final int CHUNK = 1 << 20;

    private Compression() {}

    /**
     * A stream of the zstd compression of {@code source}, pulled as it is read: memory stays bounded whatever the
     * source's size. {@code workers} above 0 compresses on that many native threads besides the reader's.
     */
    public static InputStream compressing(InputStream source, int level, int workers) {
        return new Compressing(source, level, workers);
    }

    /** {@code in} decompressed if it starts with a zstd frame, otherwise as it is. */
    public static InputStream decoding(InputStream in) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, 64 * 1024);
        buffered.mark(ZSTD_MAGIC.length);
        byte[] first = buffered.readNBytes(ZSTD_MAGIC.length);
        buffered.reset();
        if (!Arrays.equals(first, ZSTD_MAGIC)) {
            return buffered;
        }
        return new ZstdInputStreamNoFinalizer(buffered) {
            @Override
            public synchronized int read(byte[] dst, int offset, int length) throws IOException {
                try {
                    return super.read(dst, offset, length);
                } catch (IOException e) {
                    if (e instanceof IntegrityException) {
                        throw e;
                    }
                    // A damaged or truncated frame: say so in the same terms as a failed hash or AEAD tag.
                    throw new IntegrityException("the compressed artifact cannot be decompressed: " + e.getMessage());
                }
            }
        };
    }

    private static final class Compressing extends InputStream {
        private final InputStream source;
        private final ZstdCompressCtx ctx = new ZstdCompressCtx();
        private final byte[] chunk = new byte[CHUNK];
        /** Input not yet taken by the compressor, in read mode. */
        private final ByteBuffer in = ByteBuffer.allocateDirect(CHUNK).flip();
        /** Compressed bytes not yet read by the caller, in read mode. */
        private final ByteBuffer out = ByteBuffer.allocateDirect(CHUNK).flip();

        private boolean sourceEnded;
        private boolean frameEnded;
        private boolean closed;

        Compressing(InputStream source, int level, int workers) {
            this.source = source;
            ctx.setLevel(level);
            ctx.setChecksum(true);
            if (workers > 0) {
                ctx.setWorkers(workers);
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] dst, int offset, int length) throws IOException {
            if (closed) {
                throw new IOException("the compressing stream is closed");
            }
            if (length == 0) {
                return 0;
            }
            while (!out.hasRemaining()) {
                if (frameEnded) {
                    return -1;
                }
                step();
            }
            int n = Math.min(length, out.remaining());
            out.get(dst, offset, n);
            return n;
        }

        /** Feeds the compressor once: more input if it took all it had, and collects what it produced. */
        private void step() throws IOException {
            if (!in.hasRemaining() && !sourceEnded) {
                int read = source.read(chunk);
                in.clear();
                if (read < 0) {
                    sourceEnded = true;
                } else {
                    in.put(chunk, 0, read);
                }
                in.flip();
            }
            out.clear();
            if (sourceEnded && !in.hasRemaining()) {
                frameEnded = ctx.compressDirectByteBufferStream(out, in, EndDirective.END);
            } else {
                ctx.compressDirectByteBufferStream(out, in, EndDirective.CONTINUE);
            }
            out.flip();
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                source.close();
            } finally {
                ctx.close();
            }
        }
    }
}
