package io.lockstep.postgres.restore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archives written here the way pg_dump writes a custom-format archive to a pipe (every offset "not set"); the filled
 * file must then hold, for each entry with data, "set" and the position of that entry's data block, and nothing else
 * may change. (Checked by hand against PostgreSQL 15: a piped {@code pg_dump -Fc -Z0} filled this way equals the same
 * dump written by pg_dump into a file, but for the creation time.)
 */
class ArchiveOffsetsTest {

    @TempDir
    Path dir;

    @Test
    void theOffsetsOfAPipedArchivePointAtTheirDataBlocks() throws IOException {
        for (int minor : new int[] {14, 15, 16}) {
            Archive archive = new Archive(minor);
            byte[] piped = archive.bytes();
            Path file = Files.write(dir.resolve("v" + minor + ".dump"), piped);

            assertEquals(2, ArchiveOffsets.fill(file), "the table and the large objects have data; the schema none");

            byte[] filled = Files.readAllBytes(file);
            assertEquals(piped.length, filled.length);
            for (int i = 0; i < archive.fields.size(); i++) {
                int field = archive.fields.get(i);
                long expected = archive.blocks.get(i);
                if (expected < 0) {
                    assertEquals(3, filled[field], "an entry without data keeps its state");
                    continue;
                }
                assertEquals(2, filled[field], "the offset is set, version 1." + minor);
                assertEquals(expected, littleEndian(filled, field + 1, 8), "version 1." + minor);
                piped[field] = filled[field]; // the only bytes allowed to change
                System.arraycopy(filled, field + 1, piped, field + 1, 8);
            }
            assertArrayEquals(piped, filled, "nothing else changed");
        }
    }

    @Test
    void aFileThatIsNoCustomArchiveIsLeftAsItIs() throws IOException {
        byte[] plain = "-- PostgreSQL database dump\nCREATE TABLE t ();\n".getBytes(StandardCharsets.UTF_8);
        Path file = Files.write(dir.resolve("plain.sql"), plain);
        assertEquals(-1, ArchiveOffsets.fill(file));
        assertArrayEquals(plain, Files.readAllBytes(file));

        byte[] unknown = new Archive(17).bytes();
        Path newer = Files.write(dir.resolve("v17.dump"), unknown);
        assertEquals(-1, ArchiveOffsets.fill(newer), "a version this does not know is not touched");
        assertArrayEquals(unknown, Files.readAllBytes(newer));
    }

    @Test
    void aTruncatedArchiveIsLeftAsItIs() throws IOException {
        byte[] whole = new Archive(14).bytes();
        byte[] truncated = java.util.Arrays.copyOf(whole, whole.length - 3);
        Path file = Files.write(dir.resolve("cut.dump"), truncated);
        assertEquals(-1, ArchiveOffsets.fill(file));
        assertArrayEquals(truncated, Files.readAllBytes(file));
    }

    private static long littleEndian(byte[] bytes, int at, int size) {
        long value = 0;
        for (int b = 0; b < size; b++) {
            value |= (bytes[at + b] & 0xFFL) << (8 * b);
        }
        return value;
    }

    /** A small archive: a schema entry (no data), a table's data and large objects, written as to a pipe. */
    private static final class Archive {
        final int minor;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        /** Per entry: position of its offset field, and of its data block (-1: none). */
        final List<Integer> fields = new ArrayList<>();

        final List<Long> blocks = new ArrayList<>();

        Archive(int minor) {
            this.minor = minor;
        }

        byte[] bytes() {
            out.writeBytes("PGDMP".getBytes(StandardCharsets.US_ASCII));
            out.write(1);
            out.write(minor);
            out.write(0);
            out.write(4); // int size
            out.write(8); // offset size
            out.write(1); // custom format
            if (minor >= 15) {
                out.write(0);
            } else {
                writeInt(0);
            }
            for (int i = 0; i < 7; i++) {
                writeInt(i + 1);
            }
            writeString("shop");
            writeString("15.8");
            writeString("15.8");
            writeInt(3);
            entry(1, "SCHEMA", false, List.of());
            entry(2, "TABLE DATA", true, List.of("1"));
            entry(3, "BLOBS", true, List.of("1", "2"));
            blocks.add(-1L);
            blocks.add((long) out.size());
            out.write(1); // data block
            writeInt(2);
            for (String row : List.of("1\talice\n", "2\tbob\n", "")) {
                writeInt(row.length());
                out.writeBytes(row.getBytes(StandardCharsets.UTF_8));
            }
            blocks.add((long) out.size());
            out.write(3); // large objects
            writeInt(3);
            writeInt(16385); // an oid
            writeInt(5);
            out.writeBytes("hello".getBytes(StandardCharsets.UTF_8));
            writeInt(0);
            writeInt(0); // no more large objects
            return out.toByteArray();
        }

        private void entry(int dumpId, String desc, boolean data, List<String> dependencies) {
            writeInt(dumpId);
            writeInt(data ? 1 : 0);
            writeString("1259");
            writeString(Integer.toString(16000 + dumpId));
            writeString("t" + dumpId);
            writeString(desc);
            writeInt(2); // section
            writeString("CREATE ...;\n");
            writeString(null);
            writeString(data ? "COPY t FROM stdin;\n" : "");
            writeString("public");
            writeString("");
            if (minor >= 14) {
                writeString(data ? "heap" : null);
            }
            if (minor >= 16) {
                writeInt('r');
            }
            writeString("app");
            writeString("false");
            dependencies.forEach(this::writeString);
            writeString(null);
            fields.add(out.size());
            out.write(data ? 1 : 3); // offset not set, or no data
            out.writeBytes(new byte[8]);
        }

        private void writeInt(int value) {
            out.write(value < 0 ? 1 : 0);
            int magnitude = Math.abs(value);
            for (int b = 0; b < 4; b++) {
                out.write((magnitude >>> (8 * b)) & 0xFF);
            }
        }

        private void writeString(String value) {
            if (value == null) {
                writeInt(-1);
                return;
            }
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            writeInt(bytes.length);
            out.writeBytes(bytes);
        }
    }
}
