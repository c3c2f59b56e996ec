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
                        TestContexts.context()));
        assertTrue(dangling.getMessage().contains("1 dangling references"), dangling.getMessage());
    }

    static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
