package io.lockstep.notifier.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.notifier.routing.Secret;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SignatureTest {

    private static final byte[] KEY = "whsec-test".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BODY = "{\"id\":\"e-1\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void signatureIsHmacSha256HexOfTimestampDotBody() {
        // computed independently: hmac.new(b'whsec-test', b'1700000000.{"id":"e-1"}', sha256).hexdigest()
        assertEquals(
                "sha256=304463f29e5331043cabec0624dc42b476bdf2c007aafd76223df9bbc9f9f68b",
                Signature.sign(Secret.of("whsec-test"), 1_700_000_000L, BODY));
    }

    @Test
    void receiverVerifiesAGenuineRequestWithinTheTolerance() {
        String signature = Signature.sign(Secret.of("whsec-test"), 1_700_000_000L, BODY);
        assertTrue(Signature.verify(KEY, "1700000000", BODY, signature, 1_700_000_200L, 300));
    }

    @Test
    void receiverRejectsATamperedBodyAnotherSecretOrAReplacedTimestamp() {
        String signature = Signature.sign(Secret.of("whsec-test"), 1_700_000_000L, BODY);
        byte[] tampered = "{\"id\":\"e-2\"}".getBytes(StandardCharsets.UTF_8);
        assertFalse(Signature.verify(KEY, "1700000000", tampered, signature, 1_700_000_000L, 300));
        assertFalse(Signature.verify(
                "other".getBytes(StandardCharsets.UTF_8), "1700000000", BODY, signature, 1_700_000_000L, 300));
        assertFalse(Signature.verify(KEY, "1700000100", BODY, signature, 1_700_000_100L, 300));
    }

    @Test
    void receiverRejectsAReplayOutsideTheToleranceAndGarbage() {
        String signature = Signature.sign(Secret.of("whsec-test"), 1_700_000_000L, BODY);
        assertFalse(Signature.verify(KEY, "1700000000", BODY, signature, 1_700_000_301L, 300));
        assertFalse(Signature.verify(KEY, "soon", BODY, signature, 1_700_000_000L, 300));
        assertFalse(Signature.verify(KEY, "1700000000", BODY, "sha256=zz", 1_700_000_000L, 300));
        assertFalse(Signature.verify(KEY, "1700000000", BODY, null, 1_700_000_000L, 300));
    }
}
