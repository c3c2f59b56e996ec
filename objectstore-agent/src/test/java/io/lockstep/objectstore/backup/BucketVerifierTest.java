package io.lockstep.objectstore.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.command.TestContexts;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The object-store verification reports what it read: the stored bytes' SHA-256 and the references it resolved. */
class BucketVerifierTest {

    @ParameterizedTest(name = "encrypted={0}")
    @ValueSource(booleans = {false, true})
    void theReportedSha256IsTheStoredBytesAndReferencesAreCountedOrDangle(boolean encrypted) throws Exception {
        HealingCopyTest harness = new HealingCopyTest();
        harness.setUp(encrypted);
        StepResult captured = harness.copy("r1", null);
        String keys = harness.entries(captured).get(0).key() + "\n"
                + harness.entries(captured).get(0).key() + "\n"
                + harness.entries(captured).get(1).key() + "\n";
        harness.repository.put("runs/p/r1/app/shop.refs.txt.gz", gzip(keys));

        StepResult verified = harness.verifier.verify(
                captured.artifact(),
                captured.sha256().toUpperCase(),
                List.of("runs/p/r1/app/shop.refs.txt.gz"),
                BucketVerifier.Capture.UNKNOWN,
                TestContexts.context());

        byte[] stored = harness.s3.bucket("repo").get("lockstep/" + captured.artifact());
        String storedSha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(stored));
        assertEquals(storedSha, verified.sha256(), "computed from the stored bytes, not echoed back");
        assertEquals("2", verified.evidence().get("references"), "distinct keys");
        assertEquals("0", verified.evidence().get("dangling"));

        harness.repository.put("runs/p/r1/app/other.refs.txt.gz", gzip("images/000.bin\nzz/not-copied.bin\n"));
        StepFailure dangling = assertThrows(
                StepFailure.class,
                () -> harness.verifier.verify(
                        captured.artifact(),
                        captured.sha256(),
                        List.of("runs/p/r1/app/other.refs.txt.gz"),
                        BucketVerifier.Capture.UNKNOWN,
                        TestContexts.context()));
        assertTrue(dangling.getMessage().contains("1 dangling references"), dangling.getMessage());
    }

    @ParameterizedTest(name = "HEAD up to {0} objects")
    @ValueSource(ints = {0, 5, 2000})
    void everyMissingBlobIsFoundWhetherCheckedByHeadOrByOneListing(int headUpTo) throws Exception {
        HealingCopyTest harness = new HealingCopyTest();
        harness.setUp(false);
        StepResult captured = harness.copy("r1", null);
        BucketVerifier verifier = new BucketVerifier(HealingCopyTest.config(), harness.repository, headUpTo);
        StepResult whole = verifier.verify(
                captured.artifact(),
                captured.sha256(),
                List.of(),
                BucketVerifier.Capture.UNKNOWN,
                TestContexts.context());
        assertEquals(Integer.toString(HealingCopyTest.OBJECTS), whole.evidence().get("objects"));
        boolean listing = headUpTo < HealingCopyTest.OBJECTS;
        assertEquals(
                listing ? Integer.toString(HealingCopyTest.OBJECTS) : null,
                whole.evidence().get("blobsListed"),
                "a long manifest is checked against one listing");

        int headsBefore = harness.s3.heads.get();
        StepResult toldTheCount = verifier.verify(
                captured.artifact(),
                captured.sha256(),
                List.of(),
                new BucketVerifier.Capture((long) HealingCopyTest.OBJECTS, null, null),
                TestContexts.context());
        assertEquals(
                whole.evidence().get("blobsListed"), toldTheCount.evidence().get("blobsListed"));
        assertEquals(
                listing ? 0 : HealingCopyTest.OBJECTS,
                harness.s3.heads.get() - headsBefore,
                "told the count, a long manifest is checked against the listing alone");

        List<ManifestEntry> entries = harness.entries(captured);
        int lost = 0;
        for (int i = 1; i < entries.size(); i += 4) { // in both parts: the HEADs and the listing
            harness.repository.delete(entries.get(i).blob());
            lost++;
        }
        StepFailure failure = assertThrows(
                StepFailure.class,
                () -> verifier.verify(
                        captured.artifact(),
                        captured.sha256(),
                        List.of(),
                        BucketVerifier.Capture.UNKNOWN,
                        TestContexts.context()));
        assertTrue(failure.getMessage().contains(lost + " objects have no blob"), failure.getMessage());
        assertTrue(failure.getMessage().contains(entries.get(1).key()), failure.getMessage());
    }

    @ParameterizedTest(name = "encrypted={0}")
    @ValueSource(booleans = {false, true})
    void afterAnIncrementalCopyEveryCopiedBlobAndASampleOfTheReusedOnesAreChecked(boolean encrypted) throws Exception {
        HealingCopyTest harness = new HealingCopyTest();
        harness.setUp(encrypted);
        StepResult first = harness.copy("r1", null);
        List<String> changed = List.of("images/003.bin", "images/017.bin", "images/029.bin");
        for (String key : changed) {
            harness.s3.bucket(HealingCopyTest.SOURCE).put(key, ("changed " + key).getBytes(StandardCharsets.UTF_8));
        }
        StepResult second = harness.copy("r2", first.artifact());
        assertEquals("3", second.evidence().get("copied"));
        BucketVerifier.Capture capture = new BucketVerifier.Capture(
                (long) HealingCopyTest.OBJECTS, 3L, second.evidence().get("base"));
        List<ManifestEntry> entries = harness.entries(second);
        long sampled = entries.stream()
                .filter(e -> !changed.contains(e.key()))
                .filter(e -> BucketVerifier.sampled(second.artifact(), e.blob(), 2))
                .count();

        int headsBefore = harness.s3.heads.get();
        StepResult verified =
                harness.verifier.verify(second.artifact(), second.sha256(), List.of(), capture, TestContexts.context());
        assertEquals(Long.toString(3 + sampled), verified.evidence().get("blobsChecked"));
        assertEquals(
                Long.toString(HealingCopyTest.OBJECTS - 3 - sampled),
                verified.evidence().get("blobsTrusted"));
        assertEquals(3 + sampled, harness.s3.heads.get() - headsBefore, "a HEAD per blob checked, no listing");

        // A blob this copy wrote is always checked.
        ManifestEntry copied = entries.stream()
                .filter(e -> e.key().equals("images/017.bin"))
                .findFirst()
                .orElseThrow();
        byte[] kept = harness.s3.bucket("repo").get("lockstep/" + copied.blob());
        harness.repository.delete(copied.blob());
        StepFailure lost = assertThrows(
                StepFailure.class,
                () -> harness.verifier.verify(
                        second.artifact(), second.sha256(), List.of(), capture, TestContexts.context()));
        assertTrue(lost.getMessage().contains("1 objects have no blob"), lost.getMessage());
        assertTrue(lost.getMessage().contains("images/017.bin"), lost.getMessage());
        harness.s3.bucket("repo").put("lockstep/" + copied.blob(), kept);

        // Every reused blob is checked when the sample is all of them, and a lost one fails the verification.
        BucketVerifier everything = new BucketVerifier(HealingCopyTest.config(100), harness.repository);
        ManifestEntry reused = entries.get(0);
        harness.repository.delete(reused.blob());
        StepFailure missing = assertThrows(
                StepFailure.class,
                () -> everything.verify(
                        second.artifact(), second.sha256(), List.of(), capture, TestContexts.context()));
        assertTrue(missing.getMessage().contains(reused.key()), missing.getMessage());

        // An unreadable base reuses nothing: every blob is checked.
        harness.repository.delete(first.artifact());
        StepFailure unreadableBase = assertThrows(
                StepFailure.class,
                () -> harness.verifier.verify(
                        second.artifact(), second.sha256(), List.of(), capture, TestContexts.context()));
        assertTrue(unreadableBase.getMessage().contains(reused.key()), unreadableBase.getMessage());
    }

    @org.junit.jupiter.api.Test
    void eachRunSamplesAboutItsShareOfBlobsAndOtherBlobsThanTheRunBefore() {
        int blobs = 100_000;
        int inFirst = 0;
        int inBoth = 0;
        for (int i = 0; i < blobs; i++) {
            String blob = "blobs/media/" + Integer.toHexString(i * 7919);
            boolean first = BucketVerifier.sampled("runs/p/r1/media/objects.jsonl.gz", blob, 2);
            boolean second = BucketVerifier.sampled("runs/p/r2/media/objects.jsonl.gz", blob, 2);
            inFirst += first ? 1 : 0;
            inBoth += first && second ? 1 : 0;
        }
        assertTrue(inFirst > 1_700 && inFirst < 2_300, "about 2 % sampled: " + inFirst);
        assertTrue(inBoth < 200, "the next run samples other blobs: " + inBoth + " in both");
        assertTrue(!BucketVerifier.sampled("m", "b", 0) && BucketVerifier.sampled("m", "b", 100));
    }

    static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
