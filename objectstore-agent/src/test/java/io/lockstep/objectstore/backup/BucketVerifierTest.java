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
                null,
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
                        null,
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
        StepResult whole =
                verifier.verify(captured.artifact(), captured.sha256(), List.of(), null, TestContexts.context());
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
                (long) HealingCopyTest.OBJECTS,
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
                () -> verifier.verify(captured.artifact(), captured.sha256(), List.of(), null, TestContexts.context()));
        assertTrue(failure.getMessage().contains(lost + " objects have no blob"), failure.getMessage());
        assertTrue(failure.getMessage().contains(entries.get(1).key()), failure.getMessage());
    }

    static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
