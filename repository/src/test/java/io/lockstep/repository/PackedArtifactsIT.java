package io.lockstep.repository;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Records packed into one object against the real S3Proxy: each {@link BackupRepository#encode}d under its own key,
 * concatenated, {@link BackupRepository#putStored put} once, and read back one by one with ranged reads
 * ({@link BackupRepository#openPacked}); a record read at the wrong place or under another key, and a truncated pack,
 * fail as damage; without the pack, the blob's own key is read. Plaintext and encrypted.
 */
class PackedArtifactsIT {

    @ParameterizedTest(name = "encrypted={0}")
    @ValueSource(booleans = {false, true})
    void recordsReadBackOneByOneFromOnePack(boolean encrypted) throws Exception {
        S3Client s3 = LocalS3Proxy.client(4, java.time.Duration.ofSeconds(10));
        Encryption encryption =
                encrypted ? Encryption.fromKeyset(Encryption.generateKeyset(), true) : Encryption.none();
        try (BackupRepository repository = new BackupRepository(
                s3, "lockstep-it", "packs-it/" + UUID.randomUUID(), 5 * 1024 * 1024, 2, encryption)) {
            repository.ensureBucket();
            List<byte[]> contents = List.of(
                    "first".getBytes(StandardCharsets.UTF_8),
                    new byte[0],
                    BackupRepositoryIT.source(300_000, Long.MAX_VALUE).readAllBytes());
            ByteArrayOutputStream pack = new ByteArrayOutputStream();
            long[] offsets = new long[contents.size()];
            long[] lengths = new long[contents.size()];
            for (int i = 0; i < contents.size(); i++) {
                byte[] record = repository.encode("blobs/s/b" + i, contents.get(i));
                offsets[i] = pack.size();
                lengths[i] = record.length;
                pack.write(record);
            }
            repository.putStored("packs/s/p", pack.toByteArray());

            for (int i = contents.size() - 1; i >= 0; i--) {
                try (InputStream in = repository.openPacked("packs/s/p", offsets[i], lengths[i], "blobs/s/b" + i)) {
                    assertArrayEquals(contents.get(i), in.readAllBytes(), "record " + i);
                }
            }
            if (encrypted) {
                IOException elsewhere = assertThrows(
                        IOException.class, () -> read(repository, "packs/s/p", offsets[2], lengths[2], "blobs/s/b0"));
                assertTrue(elsewhere.getMessage().contains("packs/s/p"), elsewhere.getMessage());
                assertThrows(
                        IOException.class,
                        () -> read(repository, "packs/s/p", offsets[2] + 1, lengths[2], "blobs/s/b2"));
            }
            byte[] whole = pack.toByteArray();
            repository.putStored("packs/s/short", java.util.Arrays.copyOf(whole, whole.length - 10));
            DamagedArtifactException truncated = assertThrows(
                    DamagedArtifactException.class,
                    () -> read(repository, "packs/s/short", offsets[2], lengths[2], "blobs/s/b2"));
            assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());

            repository.put("blobs/s/b2", contents.get(2)); // a healed copy under the blob's own key
            assertArrayEquals(contents.get(2), read(repository, "packs/s/gone", offsets[2], lengths[2], "blobs/s/b2"));
            RepositoryException neither = assertThrows(
                    RepositoryException.class,
                    () -> read(repository, "packs/s/gone", offsets[0], lengths[0], "blobs/s/b0"));
            assertTrue(neither.getMessage().contains("blobs/s/b0"), neither.getMessage());
        }
    }

    static byte[] read(BackupRepository repository, String pack, long offset, long length, String key)
            throws IOException {
        try (InputStream in = repository.openPacked(pack, offset, length, key)) {
            return in.readAllBytes();
        }
    }
}
