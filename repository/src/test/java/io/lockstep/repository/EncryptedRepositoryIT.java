package io.lockstep.repository;

import static io.lockstep.repository.BackupRepositoryIT.sha;
import static io.lockstep.repository.BackupRepositoryIT.source;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** Client-side encryption against a real S3-compatible server (S3Proxy, started by deploy/local/up). */
class EncryptedRepositoryIT {

    static final int PART = 5 * 1024 * 1024;
    static final String BUCKET = "lockstep-it";
    static final String KEYSET = Encryption.generateKeyset();
    static final String prefix = "encrypted-it/" + UUID.randomUUID();
    static final List<BackupRepository> opened = new ArrayList<>();
    static S3Client raw;
    static BackupRepository repository;

    @BeforeAll
    static void connect() {
        raw = client();
        repository = repository(Encryption.fromKeyset(KEYSET, true));
        repository.ensureBucket();
    }

    @AfterAll
    static void close() {
        opened.forEach(BackupRepository::close);
        raw.close();
    }

    static S3Client client() {
        return LocalS3Proxy.client(16, java.time.Duration.ofSeconds(10));
    }

    static BackupRepository repository(Encryption encryption) {
        BackupRepository r = new BackupRepository(client(), BUCKET, prefix, PART, 3, encryption);
        opened.add(r);
        return r;
    }

    static byte[] stored(String key) {
        return raw.getObjectAsBytes(b -> b.bucket(BUCKET).key(prefix + "/" + key))
                .asByteArray();
    }

    static void store(String key, byte[] bytes) {
        raw.putObject(b -> b.bucket(BUCKET).key(prefix + "/" + key), RequestBody.fromBytes(bytes));
    }

    static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    @Test
    void aMultipartArtifactRoundTripsAndItsRecordedSha256CoversTheStoredCiphertext() throws Exception {
        long size = 2L * PART + 777;
        UploadResult result = repository.upload("rt/big.bin", source(size, Long.MAX_VALUE), UploadHooks.NONE);

        byte[] stored = stored("rt/big.bin");
        assertEquals(stored.length, result.bytes(), "the recorded size is the stored size");
        assertTrue(result.bytes() > size, "ciphertext carries a header and a tag per segment");
        assertEquals(
                sha(new java.io.ByteArrayInputStream(stored)), result.sha256(), "the SHA-256 covers the stored bytes");
        assertNotEquals(sha(source(size, Long.MAX_VALUE)), result.sha256());
        assertEquals(
                sha(source(size, Long.MAX_VALUE)), sha(repository.open("rt/big.bin")), "open returns the plaintext");
        try (VerifiedInputStream verified = repository.openVerified("rt/big.bin", result.sha256())) {
            assertEquals(
                    sha(source(size, Long.MAX_VALUE)),
                    sha(verified),
                    "openVerified checks the stored bytes and returns the plaintext");
            assertEquals(result.bytes(), verified.storedBytes(), "and counts the stored bytes");
        }
    }

    @Test
    void artifactsUpToALargeSegmentAreEncryptedInSmallSegmentsAndEverySizeRoundTrips() throws Exception {
        long[] sizes = {
            0,
            1,
            4096,
            100_000,
            Encryption.SMALL - 1,
            Encryption.SMALL,
            Encryption.SMALL + 1L,
            3L * Encryption.SMALL,
            PART + 1L
        };
        for (long size : sizes) {
            String key = "segments/" + size + ".bin";
            UploadResult result = repository.upload(key, source(size, Long.MAX_VALUE), UploadHooks.NONE);
            byte[] stored = stored(key);
            assertEquals(stored.length, result.bytes(), "size " + size);
            assertEquals(sha(source(size, Long.MAX_VALUE)), sha(repository.open(key)), "plaintext of size " + size);
            try (VerifiedInputStream verified = repository.openVerified(key, result.sha256())) {
                assertEquals(sha(source(size, Long.MAX_VALUE)), sha(verified), "verified read of size " + size);
            }
            long overhead = stored.length - size;
            if (size >= Encryption.SMALL - 1 && size <= Encryption.SMALL) {
                // 256 segments of 4 KiB, each with its 16-byte tag
                assertTrue(overhead > 4000, "size " + size + " in 4 KiB segments: overhead " + overhead);
            } else if (size > Encryption.SMALL) {
                assertTrue(overhead < 2000, "size " + size + " in 1 MiB segments: overhead " + overhead);
            }
        }
    }

    @Test
    void aSmallEncryptedUploadHoldsKilobytesNotTwoSegments() throws Exception {
        // Under the 1 MiB-segment data key every blob's encrypting stream allocated two segments (2 MiB): a first
        // copy of 10,000 objects of 4 KiB ran hundreds of garbage collections a second in a 256 MiB agent.
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        byte[] blob = new byte[4096];
        new java.util.Random(3).nextBytes(blob);
        repository.put("alloc/warm-up.bin", blob);
        long before = threads.getCurrentThreadAllocatedBytes();
        UploadResult result =
                repository.upload("alloc/blob.bin", new java.io.ByteArrayInputStream(blob), UploadHooks.NONE);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 512 * 1024, "a 4 KiB encrypted upload allocated " + allocated + " bytes");
        assertArrayEquals(blob, readAll(repository.openVerified("alloc/blob.bin", result.sha256())));
    }

    @Test
    void theStoredBytesAreNotThePlaintext() throws Exception {
        byte[] plaintext = "PGDMP custom archive with a recognisable secret: patient 4711"
                .repeat(50)
                .getBytes(StandardCharsets.UTF_8);
        repository.put("plain/dump.dump", plaintext);

        byte[] stored = stored("plain/dump.dump");
        assertArrayEquals(ArtifactHeader.MAGIC, Arrays.copyOf(stored, ArtifactHeader.MAGIC.length));
        assertFalse(new String(stored, StandardCharsets.ISO_8859_1).contains("PGDMP"));
        assertFalse(new String(stored, StandardCharsets.ISO_8859_1).contains("patient 4711"));
        assertArrayEquals(plaintext, readAll(repository.open("plain/dump.dump")));
    }

    @Test
    void anArtifactReadWithAnotherKeysetFailsClearly() throws Exception {
        repository.put("wrong/key.json", "{\"a\":1}".getBytes());
        BackupRepository other = repository(Encryption.fromKeyset(Encryption.generateKeyset(), true));

        UnreadableKeyException e =
                assertThrows(UnreadableKeyException.class, () -> readAll(other.open("wrong/key.json")));
        assertTrue(e.getMessage().contains("wrong/key.json") && e.getMessage().contains("lacks"), e.getMessage());
        assertTrue(e.getMessage().contains(repository.encryptionKeyId().orElseThrow()), e.getMessage());
        assertEquals(repository.encryptionKeyId().orElseThrow(), e.kekId(), "the key it needs, for the check to name");
    }

    @Test
    void anEncryptedArtifactReadWithoutAnyKeyFailsClearly() {
        repository.put("nokey/run.json", "{\"a\":1}".getBytes());
        BackupRepository keyless = repository(Encryption.none());

        UnreadableKeyException e =
                assertThrows(UnreadableKeyException.class, () -> readAll(keyless.open("nokey/run.json")));
        assertTrue(
                e.getMessage().contains("nokey/run.json") && e.getMessage().contains("no encryption keyset"),
                e.getMessage());
    }

    @Test
    void aFlippedByteFailsTheReadAndTheVerifiedRead() throws Exception {
        long size = PART + 4242;
        UploadResult result = repository.upload("flip/a.bin", source(size, Long.MAX_VALUE), UploadHooks.NONE);
        byte[] stored = stored("flip/a.bin");
        stored[stored.length / 2] ^= 0x01;
        store("flip/a.bin", stored);

        IntegrityException plain = assertThrows(IntegrityException.class, () -> sha(repository.open("flip/a.bin")));
        assertFalse(plain instanceof UnreadableKeyException, "damage, not a missing key");
        assertTrue(
                plain.getMessage().contains("flip/a.bin") && plain.getMessage().contains("altered"),
                plain.getMessage());
        IntegrityException verified = assertThrows(
                IntegrityException.class, () -> sha(repository.openVerified("flip/a.bin", result.sha256())));
        assertTrue(verified.getMessage().contains("flip/a.bin"), verified.getMessage());
    }

    @Test
    void aFlippedByteInASmallArtifactIsReportedAsStoredBytesThatNoLongerMatchTheirSha256() throws Exception {
        // 4 KiB segments: the damaged segment fails authentication long before the end of the stored bytes, where
        // their SHA-256 is compared; the verified read reads on and reports the mismatch, as for any artifact.
        long size = 200_000;
        UploadResult result = repository.upload("flip/small.bin", source(size, Long.MAX_VALUE), UploadHooks.NONE);
        byte[] stored = stored("flip/small.bin");
        stored[stored.length / 3] ^= 0x01;
        store("flip/small.bin", stored);

        IntegrityException plain = assertThrows(IntegrityException.class, () -> sha(repository.open("flip/small.bin")));
        assertTrue(plain.getMessage().contains("failed authentication"), plain.getMessage());
        IntegrityException verified = assertThrows(
                IntegrityException.class, () -> sha(repository.openVerified("flip/small.bin", result.sha256())));
        assertTrue(verified instanceof DamagedArtifactException, verified.toString());
        assertTrue(
                verified.getMessage().contains("SHA-256")
                        && verified.getMessage().contains("flip/small.bin"),
                verified.getMessage());
    }

    @Test
    void aFlippedByteInTheHeaderFailsClearly() {
        repository.put("flip/header.json", "{\"a\":1}".getBytes());
        byte[] stored = stored("flip/header.json");
        stored[ArtifactHeader.MAGIC.length + 3] ^= 0x01; // inside the key id
        store("flip/header.json", stored);

        IntegrityException e =
                assertThrows(IntegrityException.class, () -> readAll(repository.open("flip/header.json")));
        assertTrue(e.getMessage().contains("flip/header.json"), e.getMessage());
    }

    @Test
    void aTruncatedArtifactFailsEvenWhenCutAtASegmentBoundary() throws Exception {
        long size = 3L * 1024 * 1024 + 100; // four 1 MiB ciphertext segments
        repository.upload("cut/a.bin", source(size, Long.MAX_VALUE), UploadHooks.NONE);
        byte[] stored = stored("cut/a.bin");
        int header = stored.length - (int) ciphertextOnly(stored);

        store("cut/tail.bin", Arrays.copyOf(stored, stored.length - 10));
        store("cut/segment.bin", Arrays.copyOf(stored, header + 2 * 1024 * 1024));
        store("cut/header.bin", Arrays.copyOf(stored, ArtifactHeader.MAGIC.length + 2));
        for (String cut : List.of("cut/tail.bin", "cut/segment.bin", "cut/header.bin")) {
            IntegrityException e = assertThrows(IntegrityException.class, () -> sha(repository.open(cut)), cut);
            assertTrue(e.getMessage().contains(cut), e.getMessage());
        }
    }

    /** The length of the Tink ciphertext after Lockstep's header. */
    private static long ciphertextOnly(byte[] stored) throws IOException {
        var in = new java.io.ByteArrayInputStream(stored);
        in.skipNBytes(ArtifactHeader.MAGIC.length);
        ArtifactHeader.readAfterMagic(in, "test");
        return in.available();
    }

    @Test
    void anArtifactMovedToAnotherKeyFailsBecauseItsPathIsBoundAsAssociatedData() throws Exception {
        repository.put("swap/db1.dump", "first database".getBytes());
        repository.put("swap/db2.dump", "second database".getBytes());
        store("swap/db2.dump", stored("swap/db1.dump"));

        IntegrityException e = assertThrows(IntegrityException.class, () -> readAll(repository.open("swap/db2.dump")));
        assertTrue(e.getMessage().contains("swap/db2.dump") && e.getMessage().contains("moved"), e.getMessage());
        assertEquals("first database", new String(readAll(repository.open("swap/db1.dump"))));
    }

    @Test
    void aRotatedKeysetWritesWithTheNewKeyAndStillReadsArtifactsOfTheOldOne() throws Exception {
        String before = Encryption.generateKeyset();
        String after = Encryption.rotateKeyset(before);
        BackupRepository old = repository(Encryption.fromKeyset(before, true));
        BackupRepository rotated = repository(Encryption.fromKeyset(after, true));
        old.put("rotate/old.json", "written before the rotation".getBytes());
        rotated.put("rotate/new.json", "written after the rotation".getBytes());

        assertNotEquals(old.encryptionKeyId(), rotated.encryptionKeyId(), "new artifacts use the new primary key");
        assertEquals("written before the rotation", new String(readAll(rotated.open("rotate/old.json"))));
        assertEquals("written after the rotation", new String(readAll(rotated.open("rotate/new.json"))));
        IntegrityException e = assertThrows(IntegrityException.class, () -> readAll(old.open("rotate/new.json")));
        assertTrue(e.getMessage().contains(rotated.encryptionKeyId().orElseThrow()), e.getMessage());
    }

    @Test
    void plaintextArtifactsWrittenBeforeEncryptionWasEnabledStayReadable() throws Exception {
        BackupRepository plain = repository(Encryption.none());
        UploadResult result = plain.put("legacy/run.json", "{\"format\":1}".getBytes());

        assertEquals("{\"format\":1}", new String(readAll(repository.open("legacy/run.json"))));
        assertEquals(
                "{\"format\":1}", new String(readAll(repository.openVerified("legacy/run.json", result.sha256()))));
    }

    @Test
    void aCopyInsideAnEncryptedRepositoryIsReEncryptedForItsNewKey() throws Exception {
        repository.put("copy/tmp.bin", "blob content".getBytes());
        repository.copy("copy/tmp.bin", "copy/blob.bin");
        assertEquals("blob content", new String(readAll(repository.open("copy/blob.bin"))));
    }

    @Test
    void blobNamesAreKeyedHashesThatStayStableAcrossInstancesAndKeyRotation() {
        String sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        String name = repository.contentName(sha);

        assertNotEquals(sha, name, "the name does not reveal the content hash");
        assertEquals(64, name.length());
        assertEquals(name, repository(Encryption.fromKeyset(KEYSET, true)).contentName(sha));
        assertEquals(
                name,
                repository(Encryption.fromKeyset(Encryption.rotateKeyset(KEYSET), true))
                        .contentName(sha));
        assertNotEquals(name, repository.contentName("0".repeat(64)));
        assertEquals(sha, repository(Encryption.none()).contentName(sha), "plaintext repositories keep plain names");
    }

    @Test
    void afterARotationTheBlobNameKeyIsRewrappedSoTheOldKeyCanBeRetired() throws Exception {
        String before = Encryption.generateKeyset();
        String after = Encryption.rotateKeyset(before);
        String sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        String prefix = "encrypted-it/" + UUID.randomUUID();
        String name;
        try (BackupRepository old =
                        new BackupRepository(client(), BUCKET, prefix, PART, 1, Encryption.fromKeyset(before, true));
                BackupRepository rotated =
                        new BackupRepository(client(), BUCKET, prefix, PART, 1, Encryption.fromKeyset(after, true))) {
            name = old.contentName(sha);
            assertEquals(name, rotated.contentName(sha));
        }
        try (BackupRepository retired = new BackupRepository(
                client(), BUCKET, prefix, PART, 1, Encryption.fromKeyset(withoutOldestKey(after), true))) {
            assertEquals(name, retired.contentName(sha), "the name key no longer needs the retired key");
        }
    }

    /** The keyset without its first (oldest) key. */
    static String withoutOldestKey(String keyset) throws Exception {
        var handle = com.google.crypto.tink.TinkJsonProtoKeysetFormat.parseKeyset(
                keyset, com.google.crypto.tink.InsecureSecretKeyAccess.get());
        var builder = com.google.crypto.tink.KeysetHandle.newBuilder(handle);
        builder.deleteAt(0);
        return com.google.crypto.tink.TinkJsonProtoKeysetFormat.serializeKeyset(
                builder.build(), com.google.crypto.tink.InsecureSecretKeyAccess.get());
    }

    @Test
    void aLargeArtifactStreamsThroughEncryptionAndDecryptionInAHeapSmallerThanIt() throws Exception {
        long size = 160L * 1024 * 1024;
        Path keyset = Files.createTempFile("keyset", ".json");
        Files.writeString(keyset, KEYSET);
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx64m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        BoundedMemoryCheck.class.getName(),
                        keyset.toString(),
                        BUCKET,
                        prefix,
                        Long.toString(size))
                .redirectErrorStream(true)
                .start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(10, TimeUnit.MINUTES));
        Files.delete(keyset);
        assertEquals(0, child.exitValue(), output);
        assertTrue(output.contains("round trip ok " + sha(source(size, Long.MAX_VALUE))), output);
    }
}
