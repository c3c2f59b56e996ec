package io.lockstep.repository.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.Compression;
import io.lockstep.repository.Encryption;
import io.lockstep.repository.S3Clients;
import io.lockstep.repository.UploadResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator commands against S3Proxy: keysets in 0600 files, rotation, and decrypting an artifact by hand. */
class RepositoryCliIT {

    @TempDir
    Path dir;

    @Test
    void anOperatorCreatesRotatesAndDecryptsWithTheKeysetFile() throws Exception {
        Path keyset = dir.resolve("keyset.json");
        assertEquals(0, cli(List.of("keyset-new", keyset.toString()), Map.of()).exit());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyset)));
        assertEquals(1, cli(List.of("keyset-new", keyset.toString()), Map.of()).exit(), "never overwrites a keyset");

        String prefix = "cli-it/" + UUID.randomUUID();
        UploadResult written;
        UploadResult compressed;
        int recordLength;
        try (BackupRepository repository = new BackupRepository(
                S3Clients.create(
                        Optional.of(URI.create("http://127.0.0.1:9000")),
                        "us-east-1",
                        true,
                        Optional.of("lockstep"),
                        Optional.of("lockstep-local-secret"),
                        4,
                        java.time.Duration.ofSeconds(10)),
                "lockstep-it",
                prefix,
                5 * 1024 * 1024,
                1,
                Encryption.fromKeyset(Files.readString(keyset), true))) {
            repository.ensureBucket();
            written = repository.put("runs/p/r/db.dump", "PGDMP by hand".getBytes(StandardCharsets.UTF_8));
            byte[] record = repository.encode("blobs/s/b", "a small object".getBytes(StandardCharsets.UTF_8));
            byte[] pack = java.util.Arrays.copyOf(new byte[7], 7 + record.length); // another record before it
            System.arraycopy(record, 0, pack, 7, record.length);
            repository.putStored("packs/s/p", pack);
            recordLength = record.length;
            compressed = repository.put(
                    "runs/p/r/z.dump",
                    Compression.compressing(
                                    new ByteArrayInputStream("PGDMP compressed".getBytes(StandardCharsets.UTF_8)), 3, 0)
                            .readAllBytes());
        }
        String before = Files.readString(keyset);
        assertEquals(
                0, cli(List.of("keyset-rotate", keyset.toString()), Map.of()).exit());
        assertNotEquals(before, Files.readString(keyset));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyset)));

        Map<String, String> env = Map.of(
                "LOCKSTEP_REPOSITORY_BUCKET",
                "lockstep-it",
                "LOCKSTEP_REPOSITORY_PREFIX",
                prefix,
                "LOCKSTEP_REPOSITORY_ENDPOINT",
                "http://127.0.0.1:9000",
                "LOCKSTEP_REPOSITORY_ACCESS_KEY_ID",
                "lockstep",
                "LOCKSTEP_REPOSITORY_SECRET_ACCESS_KEY",
                "lockstep-local-secret",
                "LOCKSTEP_REPOSITORY_ENCRYPTION_KEYSET_FILE",
                keyset.toString());
        Result plain = cli(List.of("decrypt", "--sha256", written.sha256(), "runs/p/r/db.dump"), env);
        assertEquals(0, plain.exit(), plain.err());
        assertEquals("PGDMP by hand", plain.out());

        Result decompressed = cli(List.of("decrypt", "--sha256", compressed.sha256(), "runs/p/r/z.dump"), env);
        assertEquals(0, decompressed.exit(), decompressed.err());
        assertEquals("PGDMP compressed", decompressed.out(), "a zstd artifact comes out decompressed");
        Result raw = cli(List.of("decrypt", "--raw", "runs/p/r/z.dump"), env);
        assertEquals(0, raw.exit(), raw.err());
        assertFalse(raw.out().startsWith("PGDMP"), "--raw writes the zstd frame as stored");

        Result packed = cli(List.of("decrypt", "--pack", "packs/s/p:7:" + recordLength, "blobs/s/b"), env);
        assertEquals(0, packed.exit(), packed.err());
        assertEquals("a small object", packed.out(), "a packed blob, read from its place in the pack");
        Result elsewhere = cli(List.of("decrypt", "--pack", "packs/s/p:7:" + recordLength, "blobs/s/other"), env);
        assertEquals(1, elsewhere.exit(), "a record is bound to its blob's key");
        Result unparsed = cli(List.of("decrypt", "--pack", "packs/s/p", "blobs/s/b"), env);
        assertEquals(1, unparsed.exit());
        assertTrue(unparsed.err().contains("PACK:OFFSET:LENGTH"), unparsed.err());

        Result tampered = cli(List.of("decrypt", "--sha256", "0".repeat(64), "runs/p/r/db.dump"), env);
        assertEquals(1, tampered.exit());
        assertTrue(tampered.err().contains("runs/p/r/db.dump"), tampered.err());

        Result keyless = cli(
                List.of("decrypt", "runs/p/r/db.dump"),
                Map.of(
                        "LOCKSTEP_REPOSITORY_BUCKET",
                        "lockstep-it",
                        "LOCKSTEP_REPOSITORY_PREFIX",
                        prefix,
                        "LOCKSTEP_REPOSITORY_ENDPOINT",
                        "http://127.0.0.1:9000",
                        "LOCKSTEP_REPOSITORY_ACCESS_KEY_ID",
                        "lockstep",
                        "LOCKSTEP_REPOSITORY_SECRET_ACCESS_KEY",
                        "lockstep-local-secret"));
        assertEquals(1, keyless.exit());
        assertTrue(keyless.err().contains("no encryption keyset"), keyless.err());
        assertTrue(
                !keyless.err().contains("lockstep-local-secret") && !plain.err().contains("lockstep-local-secret"));
    }

    record Result(int exit, String out, String err) {}

    static Result cli(List<String> args, Map<String, String> env) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int exit = RepositoryCli.run(args, env, out, new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
