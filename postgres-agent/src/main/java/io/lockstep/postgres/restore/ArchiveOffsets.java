package io.lockstep.postgres.restore;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes the data offsets into a spooled custom-format archive ({@code pg_dump -Fc}) that pg_dump wrote to a pipe.
 *
 * <p>pg_dump fills in where each table's data starts only when it can seek back into its output; the agent dumps to a
 * pipe, so its archives say "position not set" for every entry. {@code pg_restore --jobs} then makes each worker scan
 * the archive block by block (one seek per COPY row of an uncompressed dump) to find its table, and cannot schedule
 * the largest tables first: on the benchmark that made a parallel restore slower than a single one. The offsets are
 * fixed-size fields in the table of contents, so once the whole archive is on disk they can be written in place: one
 * pass over the data blocks finds where each starts, and each "not set" field becomes "set" with that position, as
 * pg_dump writes them into a file. pg_restore checks the block id it finds at an offset, so a wrong one fails the
 * restore instead of restoring other data.
 *
 * <p>Only archive versions 1.10 to 1.16 (PostgreSQL 9.0 to 17) in custom format are touched; anything else is left as
 * it is (pg_restore still reads it, only slower).
 */
final class ArchiveOffsets {

    private static final byte[] MAGIC = "PGDMP".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT_CUSTOM = 1;
    private static final int OFFSET_NOT_SET = 1;
    private static final int OFFSET_SET = 2;
    private static final int BLOCK_DATA = 1;
    private static final int BLOCK_BLOBS = 3;

    private ArchiveOffsets() {}

    /**
     * Fills in the offsets of {@code archive}; returns how many entries got one, or -1 if the file is not an archive
     * this understands (then nothing was written).
     */
    static int fill(Path archive) throws IOException {
        try (FileChannel channel = FileChannel.open(archive, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return fill(channel);
        } catch (EOFException e) {
            return -1; // truncated: nothing was written yet
        }
    }

    private static int fill(FileChannel channel) throws IOException {
        Reader in = new Reader(channel);
        for (byte b : MAGIC) {
            if (in.u8() != (b & 0xFF)) {
                return -1;
            }
        }
        int major = in.u8();
        int minor = in.u8();
        in.u8(); // revision
        in.intSize = in.u8();
        int offSize = in.u8();
        int format = in.u8();
        if (major != 1 || minor < 10 || minor > 16 || format != FORMAT_CUSTOM) {
            return -1;
        }
        if (in.intSize < 1 || in.intSize > 8 || offSize < 1 || offSize > 8) {
            return -1;
        }
        if (minor >= 15) {
            in.u8(); // compression algorithm
        } else {
            in.readInt(); // compression level
        }
        for (int i = 0; i < 7; i++) {
            in.readInt(); // creation time
        }
        in.skipString(); // database name
        in.skipString(); // server version
        in.skipString(); // pg_dump version
        Map<Long, Long> unset = new HashMap<>(); // dump id -> position of its offset field
        long entries = in.readInt();
        for (long i = 0; i < entries; i++) {
            long dumpId = in.readInt();
            in.readInt(); // had a data dumper
            in.skipStrings(4); // table oid, oid, tag, description
            in.readInt(); // section
            in.skipStrings(5); // definition, drop statement, copy statement, namespace, tablespace
            if (minor >= 14) {
                in.skipString(); // table access method
            }
            if (minor >= 16) {
                in.readInt(); // relkind
            }
            in.skipStrings(2); // owner, "with oids"
            long dependency;
            while ((dependency = in.readInt()) >= 0) { // dependencies (strings), up to a null string
                in.skip(dependency);
            }
            long field = in.position();
            int state = in.u8();
            in.skip(offSize);
            if (state == OFFSET_NOT_SET) {
                unset.put(dumpId, field);
            }
        }
        if (unset.isEmpty()) {
            return 0;
        }
        Map<Long, Long> blocks = new HashMap<>(); // dump id -> position of its data block
        long start = in.position();
        int type;
        while ((type = in.u8OrEnd()) >= 0) {
            long dumpId = in.readInt();
            if (type == BLOCK_DATA) {
                in.skipChunks();
            } else if (type == BLOCK_BLOBS) {
                while (in.readInt() != 0) { // large object oid
                    in.skipChunks();
                }
            } else {
                return -1;
            }
            blocks.put(dumpId, start);
            start = in.position();
        }
        if (in.position() != channel.size()) {
            return -1; // the last block claims more bytes than the file has
        }
        int filled = 0;
        ByteBuffer value = ByteBuffer.allocate(1 + offSize);
        for (Map.Entry<Long, Long> entry : unset.entrySet()) {
            Long block = blocks.get(entry.getKey());
            if (block == null || (offSize < 8 && block >>> (8 * offSize) != 0)) {
                continue;
            }
            value.clear();
            value.put((byte) OFFSET_SET);
            for (int b = 0; b < offSize; b++) {
                value.put((byte) (block >>> (8 * b)));
            }
            value.flip();
            while (value.hasRemaining()) {
                channel.write(value, entry.getValue() + value.position());
            }
            filled++;
        }
        return filled;
    }

    /** Reads pg_dump's archive primitives from a file, buffered, knowing its position. */
    private static final class Reader {
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16).limit(0);
        /** File position of {@code buffer}'s first byte. */
        private long base;

        int intSize = 4;

        Reader(FileChannel channel) {
            this.channel = channel;
        }

        long position() {
            return base + buffer.position();
        }

        int u8OrEnd() throws IOException {
            if (!buffer.hasRemaining()) {
                base += buffer.position();
                buffer.clear();
                int n = channel.read(buffer, base);
                buffer.flip();
                if (n <= 0) {
                    return -1;
                }
            }
            return buffer.get() & 0xFF;
        }

        int u8() throws IOException {
            int b = u8OrEnd();
            if (b < 0) {
                throw new EOFException("the archive ends early");
            }
            return b;
        }

        /** A sign byte, then {@link #intSize} bytes, least significant first. */
        long readInt() throws IOException {
            int sign = u8();
            long value = 0;
            for (int b = 0; b < intSize; b++) {
                value |= (long) u8() << (8 * b);
            }
            return sign == 0 ? value : -value;
        }

        /** Moves forward by {@code n} bytes. */
        void skip(long n) {
            if (n <= buffer.remaining()) {
                buffer.position((int) (buffer.position() + n));
            } else {
                base = position() + n;
                buffer.position(0).limit(0);
            }
        }

        /** A length (negative for a null string), then that many bytes. */
        void skipString() throws IOException {
            long length = readInt();
            if (length > 0) {
                skip(length);
            }
        }

        void skipStrings(int count) throws IOException {
            for (int i = 0; i < count; i++) {
                skipString();
            }
        }

        /** A data block's chunks: each a length and that many bytes, up to a length of 0. */
        void skipChunks() throws IOException {
            long length;
            while ((length = readInt()) != 0) {
                if (length < 0) {
                    throw new IOException("a data chunk of negative length at " + position());
                }
                skip(length);
            }
        }
    }
}
