package io.lockstep.repository;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CompressionTest {

    /** About 24 MiB of text-like rows: several input chunks, compressible as real table data is. */
    private static byte[] rows() {
        StringBuilder text = new StringBuilder();
        Random random = new Random(7);
        for (int i = 0; text.length() < 24 * 1024 * 1024; i++) {
            text.append(i)
                    .append('\t')
                    .append("customer-")
                    .append(random.nextInt(50_000))
                    .append("\tsome product description ")
                    .append(random.nextInt(1000))
                    .append('\n');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aCompressedStreamDecodesToTheSameBytesAndIsSmaller() throws IOException {
        byte[] data = rows();
        byte[] compressed;
        try (InputStream z = Compression.compressing(new ByteArrayInputStream(data), 3, 2)) {
            compressed = z.readAllBytes();
        }
        assertTrue(compressed.length < data.length / 3, "compressed to " + compressed.length + " of " + data.length);
        try (InputStream back = Compression.decoding(new ByteArrayInputStream(compressed))) {
            assertArrayEquals(data, back.readAllBytes());
        }
    }

    @Test
    void theArtifactIsAStandardZstdFrameWithItsContentChecksum() throws IOException {
        byte[] data = "PGDMP a small archive".getBytes(StandardCharsets.US_ASCII);
        byte[] compressed =
                Compression.compressing(new ByteArrayInputStream(data), 1, 0).readAllBytes();
        // Decoded by the library's one-shot API, as the zstd command line would: no Lockstep framing around it.
        assertArrayEquals(data, Zstd.decompress(compressed, data.length));
        int frameHeaderDescriptor = compressed[4] & 0xff;
        assertEquals(0x04, frameHeaderDescriptor & 0x04, "content checksum flag");
    }

    @Test
    void anArtifactWithoutTheZstdMagicIsReadAsItIs() throws IOException {
        byte[] dump = "PGDMP\u0001\u000e\u0000 a dump pg_dump compressed itself".getBytes(StandardCharsets.ISO_8859_1);
        assertArrayEquals(
                dump, Compression.decoding(new ByteArrayInputStream(dump)).readAllBytes());
        assertArrayEquals(
                new byte[0],
                Compression.decoding(new ByteArrayInputStream(new byte[0])).readAllBytes());
    }

    @Test
    void aTruncatedOrDamagedFrameIsAnIntegrityError() throws IOException {
        byte[] compressed =
                Compression.compressing(new ByteArrayInputStream(rows()), 3, 0).readAllBytes();
        byte[] truncated = Arrays.copyOf(compressed, compressed.length / 2);
        assertThrows(
                IntegrityException.class,
                () -> Compression.decoding(new ByteArrayInputStream(truncated)).readAllBytes());
        byte[] damaged = compressed.clone();
        damaged[damaged.length / 2] ^= 0x5a;
        assertThrows(
                IntegrityException.class,
                () -> Compression.decoding(new ByteArrayInputStream(damaged)).readAllBytes());
    }

    @Test
    void anEmptySourceIsAValidEmptyFrame() throws IOException {
        byte[] compressed = Compression.compressing(new ByteArrayInputStream(new byte[0]), 3, 2)
                .readAllBytes();
        assertTrue(compressed.length > 0);
        assertArrayEquals(
                new byte[0],
                Compression.decoding(new ByteArrayInputStream(compressed)).readAllBytes());
    }
}
