package io.lockstep.postgres.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.Encryption;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive_command / restore_command contract of {@link WalArchiveCli} over an encrypted repository. */
class WalArchiveCliTest {

    static final String SEGMENT = "000000010000000000000003";

    @TempDir
    Path dir;

    final MemoryS3 s3 = new MemoryS3();
    final ByteArrayOutputStream errors = new ByteArrayOutputStream();
    Path settings;
    Path segment;

    @BeforeEach
    void setUp() throws IOException {
        settings = dir.resolve("wal.properties");
        Files.createFile(settings, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(settings, "store=app\nbucket=b\n");
        segment = write("pg_wal/" + SEGMENT, 1);
    }

    int run(String... args) {
        BackupRepository repository =
                new BackupRepository(s3.client(), "b", "p", 5 * 1024 * 1024, 1, Encryption.fromKeyset(KEYSET, true));
        return WalArchiveCli.run(
                List.of(args),
                s -> new WalArchive(repository, s.getProperty("store")),
                new PrintStream(errors, true, StandardCharsets.UTF_8));
    }

    @Test
    void pushStoresTheSegmentEncryptedAndFetchGivesBackTheSameBytes() throws IOException {
        assertEquals(0, run("push", settings.toString(), segment.toString(), SEGMENT), errors::toString);
        assertTrue(s3.objects.containsKey("p/wal/app/" + SEGMENT + ".zst"));
        assertTrue(s3.objects.containsKey("p/wal/app/" + SEGMENT + ".sha256"), "recorded after the upload");
        byte[] stored = s3.objects.get("p/wal/app/" + SEGMENT + ".zst");
        assertFalse(new String(stored, StandardCharsets.ISO_8859_1).contains("segment-1"), "stored encrypted");

        Path fetched = dir.resolve("restored");
        assertEquals(0, run("fetch", settings.toString(), SEGMENT, fetched.toString()), errors::toString);
        assertArrayEquals(Files.readAllBytes(segment), Files.readAllBytes(fetched));
    }

    @Test
    void pushExitsNonZeroUnlessTheUploadCompletedAndRecordsNothing() throws IOException {
        s3.failPutsEndingWith = ".zst";
        assertEquals(1, run("push", settings.toString(), segment.toString(), SEGMENT));
        assertFalse(s3.objects.containsKey("p/wal/app/" + SEGMENT + ".sha256"), "no record of a failed upload");
        assertTrue(errors.toString().contains(SEGMENT), errors::toString);

        s3.failPutsEndingWith = null; // PostgreSQL retries the same segment
        assertEquals(0, run("push", settings.toString(), segment.toString(), SEGMENT), errors::toString);
    }

    @Test
    void theSameSegmentAgainSucceedsAndADifferentOneUnderTheSameNameFails() throws IOException {
        assertEquals(0, run("push", settings.toString(), segment.toString(), SEGMENT));
        byte[] first = s3.objects.get("p/wal/app/" + SEGMENT + ".zst");

        assertEquals(0, run("push", settings.toString(), segment.toString(), SEGMENT), errors::toString);
        assertTrue(errors.toString().contains("archived already with the same content"), errors::toString);

        Path other = write("elsewhere/" + SEGMENT, 2);
        assertEquals(1, run("push", settings.toString(), other.toString(), SEGMENT));
        assertTrue(errors.toString().contains("a different " + SEGMENT + " is archived already"), errors::toString);
        assertArrayEquals(first, s3.objects.get("p/wal/app/" + SEGMENT + ".zst"), "the archived segment is kept");
    }

    @Test
    void fetchOfAMissingOrDamagedSegmentFailsAndLeavesNoFile() throws IOException {
        Path target = dir.resolve("RECOVERYXLOG");
        assertEquals(1, run("fetch", settings.toString(), "00000002.history", target.toString()));
        assertFalse(Files.exists(target));

        assertEquals(0, run("push", settings.toString(), segment.toString(), SEGMENT));
        byte[] stored = s3.objects.get("p/wal/app/" + SEGMENT + ".zst");
        stored[stored.length / 2] ^= 1;
        assertEquals(1, run("fetch", settings.toString(), SEGMENT, target.toString()));
        assertFalse(Files.exists(target), "nothing half-written where PostgreSQL reads");
        assertFalse(Files.exists(dir.resolve("RECOVERYXLOG.lockstep-part")));
    }

    @Test
    void settingsOthersCanReadAndBadArgumentsAreRefused() throws IOException {
        Files.setPosixFilePermissions(settings, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(1, run("push", settings.toString(), segment.toString(), SEGMENT));
        assertTrue(errors.toString().contains("chmod 600"), errors::toString);
        assertTrue(s3.objects.isEmpty());

        Files.setPosixFilePermissions(settings, PosixFilePermissions.fromString("rw-------"));
        assertEquals(1, run("push", settings.toString(), segment.toString(), "../../etc/passwd"));
        assertEquals(2, run("push", settings.toString(), segment.toString()));
    }

    private Path write(String name, int seed) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        byte[] bytes = new byte[200_000];
        new Random(seed).nextBytes(bytes);
        byte[] label = ("segment-" + seed).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(label, 0, bytes, 0, label.length);
        Files.write(file, bytes);
        return file;
    }

    static final String KEYSET = Encryption.generateKeyset();
}
