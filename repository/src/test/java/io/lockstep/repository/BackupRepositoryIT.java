package io.lockstep.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The streaming writer against a real S3-compatible server (S3Proxy, started by deploy/local/up). */
class BackupRepositoryIT {

    static final int PART = 5 * 1024 * 1024;
    static S3Client s3;
    static BackupRepository repository;
    static String prefix = "repository-it/" + UUID.randomUUID();

    @BeforeAll
    static void connect() {
        s3 = LocalS3Proxy.client(16, java.time.Duration.ofSeconds(10));
        repository = new BackupRepository(s3, "lockstep-it", prefix, PART, 3);
        repository.ensureBucket();
    }

    @AfterAll
    static void close() {
        repository.close();
    }

    /**
     * A deterministic stream of {@code size} bytes that can be told to fail after {@code failAfter} bytes. Each byte
     * is a function of its position, so the bytes do not depend on how the stream is read.
     */
    static InputStream source(long size, long failAfter) {
        return new InputStream() {
            long position;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (position >= failAfter) {
                    throw new IOException("source broke at byte " + position);
                }
                if (position >= size) {
                    return -1;
                }
                int n = (int) Math.min(len, Math.min(size - position, 64 * 1024));
                for (int i = 0; i < n; i++) {
                    long x = (position + i) * 0x9E3779B97F4A7C15L;
                    x ^= x >>> 31;
                    x *= 0xBF58476D1CE4E5B9L;
                    b[off + i] = (byte) (x >>> 56);
                }
                position += n;
                return n;
            }
        };
    }

    static String sha(InputStream in) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    @Test
    void anUploadOfUnknownLengthBecomesOneObjectWithTheComputedSha256() throws Exception {
        long size = 3L * PART + 12345;
        UploadResult result = repository.upload("big.bin", source(size, Long.MAX_VALUE), UploadHooks.NONE);

        assertEquals(size, result.bytes());
        assertEquals(4, result.parts());
        assertEquals(sha(source(size, Long.MAX_VALUE)), result.sha256());
        try (InputStream stored = repository.open("big.bin")) {
            assertEquals(result.sha256(), sha(stored), "the stored bytes hash to what the writer reported");
        }
    }

    @Test
    void aSmallUploadIsASinglePut() throws Exception {
        UploadResult result = repository.put("small.json", "{\"a\":1}".getBytes());
        assertEquals(1, result.parts());
        var out = new ByteArrayOutputStream();
        try (InputStream in = repository.open("small.json")) {
            in.transferTo(out);
        }
        assertEquals("{\"a\":1}", out.toString());
    }

    @Test
    void uploadsOfEverySizeAroundTheFirstReadsGrowthRoundTrip() throws Exception {
        int first = MultipartWriter.FIRST_READ;
        long[] sizes = {0, 1, first - 1, first, first + 1, 4L * first + 7, PART - 1, PART, PART + 1L};
        for (long size : sizes) {
            UploadResult result =
                    repository.upload("sizes/" + size + ".bin", source(size, Long.MAX_VALUE), UploadHooks.NONE);
            assertEquals(size, result.bytes(), "size " + size);
            assertEquals(size <= PART ? 1 : 2, result.parts(), "parts of size " + size);
            assertEquals(sha(source(size, Long.MAX_VALUE)), result.sha256(), "size " + size);
            try (InputStream stored = repository.open("sizes/" + size + ".bin")) {
                assertEquals(result.sha256(), sha(stored), "stored bytes of size " + size);
            }
        }
    }

    @Test
    void aSmallUploadHoldsKilobytesNotAPart() throws Exception {
        // Sixteen 4 KiB blob copies at once used to allocate a part (here 5 MiB, 8 MiB by default) each, and ran a
        // 256 MiB objectstore-agent out of heap on a first copy of 10,000 objects.
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        byte[] blob = new byte[4096];
        new Random(7).nextBytes(blob);
        repository.put("alloc/warm-up.bin", blob); // the client's first request allocates for itself
        long before = threads.getCurrentThreadAllocatedBytes();
        repository.upload("alloc/blob.bin", new java.io.ByteArrayInputStream(blob), UploadHooks.NONE);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < PART / 4, "a 4 KiB upload allocated " + allocated + " bytes");
    }

    @Test
    void aSourceThatRefusesAtTheEndAbortsTheUploadAndLeavesNothing() {
        UploadHooks refuse = new UploadHooks() {
            @Override
            public void beforeComplete() throws Exception {
                throw new Exception("pg_dump exited with code 1");
            }
        };
        var e = assertThrows(
                RepositoryException.class,
                () -> repository.upload("refused.bin", source(2L * PART + 1, Long.MAX_VALUE), refuse));
        assertTrue(e.getMessage().contains("pg_dump exited with code 1"), e.getMessage());
        assertNoTrace("refused.bin");
    }

    @Test
    void aSourceThatBreaksMidStreamAbortsTheUploadAndLeavesNothing() {
        var e = assertThrows(
                RepositoryException.class,
                () -> repository.upload("broken.bin", source(4L * PART, 2L * PART + 100), UploadHooks.NONE));
        assertTrue(e.getMessage().contains("source broke"), e.getMessage());
        assertNoTrace("broken.bin");
    }

    @Test
    void aSmallSourceThatRefusesIsNeverWritten() {
        UploadHooks refuse = new UploadHooks() {
            @Override
            public void beforeComplete() throws Exception {
                throw new Exception("no");
            }
        };
        assertThrows(
                RepositoryException.class, () -> repository.upload("tiny.bin", source(10, Long.MAX_VALUE), refuse));
        assertNoTrace("tiny.bin");
    }

    @Test
    void aVerifiedReadOfIntactBytesEndsNormally() throws Exception {
        UploadResult result = repository.put("intact.bin", "intact bytes".getBytes());
        try (InputStream in = repository.openVerified("intact.bin", result.sha256())) {
            assertEquals("intact bytes", new String(in.readAllBytes()));
        }
    }

    @Test
    void aVerifiedReadOfChangedBytesThrowsInsteadOfEnding() throws Exception {
        UploadResult original = repository.put("changed.bin", "original bytes".getBytes());
        repository.put("changed.bin", "Original bytes".getBytes());
        try (InputStream in = repository.openVerified("changed.bin", original.sha256())) {
            var e = assertThrows(IntegrityException.class, in::readAllBytes);
            assertTrue(
                    e.getMessage().contains("changed.bin") && e.getMessage().contains(original.sha256()),
                    e.getMessage());
        }
    }

    @Test
    void readingAMissingArtifactSaysWhichOne() {
        var e = assertThrows(RepositoryException.class, () -> repository.open("nope.bin"));
        assertTrue(e.getMessage().contains("nope.bin"), e.getMessage());
    }

    @Test
    void aSecondWriteOfASmallRunArtifactIsRefusedAndTheOriginalBytesStay() throws Exception {
        String key = "runs/plan/" + UUID.randomUUID() + "/app/shop.refs.txt.gz";
        UploadResult original = repository.put(key, "original".getBytes());

        var e = assertThrows(ArtifactExistsException.class, () -> repository.put(key, "overwrite".getBytes()));

        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        try (InputStream in = repository.openVerified(key, original.sha256())) {
            assertEquals("original", new String(in.readAllBytes()));
        }
    }

    @Test
    void aSecondMultipartWriteOfARunArtifactIsRefusedAndTheOriginalBytesStay() throws Exception {
        String key = "runs/plan/" + UUID.randomUUID() + "/app/shop.dump";
        UploadResult original = repository.upload(key, source(PART + 17, Long.MAX_VALUE), UploadHooks.NONE);

        assertThrows(
                ArtifactExistsException.class,
                () -> repository.upload(key, source(2L * PART, Long.MAX_VALUE), UploadHooks.NONE));

        try (InputStream in = repository.openVerified(key, original.sha256())) {
            assertEquals(original.sha256(), sha(in));
        }
        assertFalse(
                s3
                        .listMultipartUploads(b -> b.bucket("lockstep-it").prefix(repository.objectKey(key)))
                        .uploads()
                        .stream()
                        .anyMatch(u -> u.key().equals(repository.objectKey(key))),
                "no multipart upload is left open");
    }

    @Test
    void keysOutsideRunsMayBeRewritten() {
        repository.put("blobs/app/rewritable", "one".getBytes());
        repository.put("blobs/app/rewritable", "two".getBytes());
    }

    /** The store itself refuses, not only the writer's HEAD: what closes the race between two writers. */
    @Test
    void theStoreRefusesAConditionalPutAndCompleteOverAnExistingKey() {
        String objectKey = repository.objectKey("runs/probe/" + UUID.randomUUID());
        s3.putObject(b -> b.bucket("lockstep-it").key(objectKey), RequestBody.fromString("a"));
        var put = assertThrows(
                S3Exception.class,
                () -> s3.putObject(
                        b -> b.bucket("lockstep-it").key(objectKey).ifNoneMatch("*"), RequestBody.fromString("b")));
        assertEquals(412, put.statusCode());

        String uploadId = s3.createMultipartUpload(b -> b.bucket("lockstep-it").key(objectKey))
                .uploadId();
        String etag = s3.uploadPart(
                        b -> b.bucket("lockstep-it")
                                .key(objectKey)
                                .uploadId(uploadId)
                                .partNumber(1),
                        RequestBody.fromString("c"))
                .eTag();
        try {
            var complete = assertThrows(
                    S3Exception.class,
                    () -> s3.completeMultipartUpload(b -> b.bucket("lockstep-it")
                            .key(objectKey)
                            .ifNoneMatch("*")
                            .uploadId(uploadId)
                            .multipartUpload(m -> m.parts(p -> p.partNumber(1).eTag(etag)))));
            assertTrue(complete.statusCode() == 412 || complete.statusCode() == 409, "" + complete.statusCode());
        } finally {
            try {
                s3.abortMultipartUpload(
                        b -> b.bucket("lockstep-it").key(objectKey).uploadId(uploadId));
            } catch (S3Exception ignored) {
                // already gone
            }
        }
        assertEquals(
                "a",
                s3.getObjectAsBytes(b -> b.bucket("lockstep-it").key(objectKey)).asUtf8String());
    }

    static void assertNoTrace(String key) {
        String objectKey = repository.objectKey(key);
        assertThrows(
                NoSuchKeyException.class,
                () -> s3.headObject(b -> b.bucket("lockstep-it").key(objectKey)));
        assertFalse(
                s3.listMultipartUploads(b -> b.bucket("lockstep-it").prefix(objectKey)).uploads().stream()
                        .anyMatch(u -> u.key().equals(objectKey)),
                "no multipart upload is left open");
    }
}
