package io.lockstep.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lockstep.protocol.EventSignatures.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventSignaturesTest {

    private static final EventSigningKey KEY = EventSigningKey.of(bytes(1));
    private static final EventSigningKey OTHER = EventSigningKey.of(bytes(2));

    private final Instant now = Instant.parse("2026-11-30T08:00:00.123456789Z");
    private final EventCodec codec = new EventCodec(AgentSources.of("pg-1"), Clock.fixed(now, ZoneOffset.UTC));
    private final UUID runId = UUID.randomUUID();
    private final CloudEvent event = codec.wrap(
            EventTypes.STEP_SUCCEEDED,
            runId.toString(),
            new StepEvents.Succeeded(
                    runId, UUID.randomUUID(), 42, "abc", "runs/x", now, now, Map.of("tables", "3", "ratio", "0.5")));

    @Test
    void aSignedEventVerifiesAfterARoundTripThroughItsJson() {
        CloudEvent signed = EventSignatures.sign(event, KEY);
        assertEquals(KEY.id(), signed.lockstepkeyid());
        String json = EventCodec.toJson(signed);
        assertTrue(json.contains("\"lockstepsignature\":\"" + signed.lockstepsignature() + "\""), json);

        CloudEvent received = EventCodec.decode(json);
        assertEquals(Verdict.VALID, EventSignatures.verify(received, KEY));
        assertEquals(Verdict.OTHER_KEY, EventSignatures.verify(received, OTHER), "another agent's key");
    }

    @Test
    void consumersThatIgnoreTheSignatureReadTheSamePayload() {
        String signed = EventCodec.toJson(EventSignatures.sign(event, KEY));
        String unsigned = EventCodec.toJson(event);
        assertFalse(
                unsigned.contains("lockstepsignature") || unsigned.contains("lockstepkeyid"),
                "an unsigned event carries no extension: " + unsigned);
        assertEquals(
                EventCodec.decodePayload(unsigned, StepEvents.Succeeded.class),
                EventCodec.decodePayload(signed, StepEvents.Succeeded.class));
        CloudEvent read = EventCodec.decode(unsigned);
        assertNull(read.lockstepsignature());
        assertEquals(Verdict.UNSIGNED, EventSignatures.verify(read, KEY));
    }

    @Test
    void theCanonicalFormListsEveryAttributeAndTheDataInOrder() {
        CloudEvent named = event.withSignature(KEY.id(), null);
        String canonical = new String(EventSignatures.canonical(named), StandardCharsets.UTF_8);
        String data = EventCodec.toJson(event).replaceFirst("^.*\"data\":", "").replaceFirst("}$", "");
        assertEquals(
                "[\"lockstep-event-hmac-sha256/1\",\"1.0\",\"" + event.id() + "\",\"/agents/pg-1\",\""
                        + EventTypes.STEP_SUCCEEDED + "\",\"" + runId + "\",\"2026-11-30T08:00:00.123456789Z\","
                        + "\"application/json\",\"" + KEY.id() + "\"," + quoted(data) + "]",
                canonical);
    }

    @Test
    void changingAnyAttributeOrTheDataBreaksTheSignature() {
        CloudEvent signed = EventSignatures.sign(event, KEY);
        List<UnaryOperator<CloudEvent>> tampers = List.of(
                e -> copy(e, "specversion", "1.1"),
                e -> copy(e, "id", UUID.randomUUID().toString()),
                e -> copy(e, "source", AgentSources.of("pg-2")),
                e -> copy(e, "type", EventTypes.STEP_FAILED),
                e -> copy(e, "subject", UUID.randomUUID().toString()),
                e -> copy(e, "time", now.plusNanos(1).toString()),
                e -> copy(e, "datacontenttype", "text/plain"),
                e -> {
                    ObjectNode data = e.data().deepCopy();
                    data.put("bytes", 43);
                    return new CloudEvent(
                            e.specversion(),
                            e.id(),
                            e.source(),
                            e.type(),
                            e.subject(),
                            e.time(),
                            e.datacontenttype(),
                            data,
                            e.lockstepkeyid(),
                            e.lockstepsignature());
                });
        for (UnaryOperator<CloudEvent> tamper : tampers) {
            CloudEvent changed = tamper.apply(signed);
            assertEquals(Verdict.BAD_SIGNATURE, EventSignatures.verify(changed, KEY), EventCodec.toJson(changed));
        }
        assertEquals(Verdict.VALID, EventSignatures.verify(signed, KEY), "the original still verifies");
    }

    @Test
    void aSignatureMadeWithAnotherKeyFailsEvenUnderTheRightKeyId() {
        CloudEvent forged = EventSignatures.sign(event, OTHER);
        assertEquals(Verdict.OTHER_KEY, EventSignatures.verify(forged, KEY));
        CloudEvent relabelled = forged.withSignature(KEY.id(), forged.lockstepsignature());
        assertEquals(Verdict.BAD_SIGNATURE, EventSignatures.verify(relabelled, KEY));
    }

    @Test
    void aSignatureThatDiffersInOneBitOrLengthOrIsNotBase64Fails() {
        CloudEvent signed = EventSignatures.sign(event, KEY);
        byte[] mac = Base64.getDecoder().decode(signed.lockstepsignature());
        for (int at : new int[] {0, mac.length - 1}) {
            byte[] flipped = mac.clone();
            flipped[at] ^= 1;
            assertEquals(
                    Verdict.BAD_SIGNATURE,
                    verifyWith(signed, Base64.getEncoder().encodeToString(flipped)));
        }
        byte[] truncated = java.util.Arrays.copyOf(mac, mac.length - 1);
        assertEquals(
                Verdict.BAD_SIGNATURE, verifyWith(signed, Base64.getEncoder().encodeToString(truncated)));
        assertEquals(Verdict.BAD_SIGNATURE, verifyWith(signed, "not base64!"));
        assertEquals(Verdict.UNSIGNED, verifyWith(signed, ""));
    }

    @Test
    void aKeyFileIsReadAsBase64OrRawAndMustBePrivateAndLongEnough(@TempDir Path dir) throws IOException {
        Path base64 = write(dir.resolve("b64"), Base64.getEncoder().encodeToString(bytes(1)) + "\n", "rw-------");
        assertEquals(KEY.id(), EventSigningKey.load(base64).id());
        String raw = "0123456789abcdefghijklmnopqrstuvwxyz";
        Path rawFile = write(dir.resolve("raw"), raw, "r--------");
        assertEquals(
                EventSigningKey.of(raw.getBytes(StandardCharsets.ISO_8859_1)).id(),
                EventSigningKey.load(rawFile).id());

        Path open = write(dir.resolve("open"), raw, "rw-r--r--");
        String refused = assertThrows(IllegalArgumentException.class, () -> EventSigningKey.load(open))
                .getMessage();
        assertTrue(refused.contains("chmod 600"), refused);
        assertFalse(refused.contains(raw), "the key is never in an error");

        Path shortFile = write(dir.resolve("short"), "too short", "rw-------");
        String tooShort = assertThrows(IllegalArgumentException.class, () -> EventSigningKey.load(shortFile))
                .getMessage();
        assertTrue(tooShort.contains("at least 32"), tooShort);
        assertThrows(IllegalArgumentException.class, () -> EventSigningKey.load(dir.resolve("missing")));
        assertFalse(KEY.toString().contains(Base64.getEncoder().encodeToString(bytes(1))));
    }

    @Test
    void aKeyFileOthersCanReadIsAcceptedOnlyAsASecretOnAReadOnlyMount(@TempDir Path dir) throws IOException {
        String raw = "0123456789abcdefghijklmnopqrstuvwxyz";
        String id =
                EventSigningKey.of(raw.getBytes(StandardCharsets.ISO_8859_1)).id();
        // A Compose secret (0444) and a Kubernetes secret volume with the pod's group (0440): read-only mounts.
        for (String mode : List.of("r--r--r--", "r--r-----", "rw-r--r--")) {
            Path secret = write(dir.resolve("secret-" + mode), raw, mode);
            assertEquals(id, EventSigningKey.load(secret, f -> true).id(), mode);
            String refused = assertThrows(
                            IllegalArgumentException.class, () -> EventSigningKey.load(secret, f -> false))
                    .getMessage();
            assertTrue(refused.contains("read-only mount") && refused.contains("chmod 600"), refused);
        }
        // Private files need no read-only mount.
        assertEquals(
                id,
                EventSigningKey.load(write(dir.resolve("private"), raw, "r--------"), f -> false)
                        .id());
        // Writable by others: refused even on a read-only mount.
        for (String mode : List.of("rw-rw-rw-", "rw-rw----", "rw-----w-")) {
            Path writable = write(dir.resolve("writable-" + mode), raw, mode);
            String refused = assertThrows(
                            IllegalArgumentException.class, () -> EventSigningKey.load(writable, f -> true))
                    .getMessage();
            assertTrue(refused.contains("may be written by others"), refused);
            assertFalse(refused.contains(raw), "the key is never in an error");
        }
        // The real test: a temporary directory is no read-only mount.
        assertFalse(EventSigningKey.onReadOnlyMount(dir.resolve("secret-r--r--r--")));
    }

    private static Verdict verifyWith(CloudEvent signed, String signature) {
        return EventSignatures.verify(signed.withSignature(signed.lockstepkeyid(), signature), KEY);
    }

    private static CloudEvent copy(CloudEvent e, String attribute, String value) {
        ObjectNode json = EventCodec.mapper().valueToTree(e);
        json.put(attribute, value);
        return EventCodec.mapper().convertValue(json, CloudEvent.class);
    }

    private static String quoted(String json) {
        return "\"" + json.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static Path write(Path file, String content, String permissions) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        return file;
    }

    private static byte[] bytes(int seed) {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (seed * 31 + i);
        }
        return key;
    }
}
