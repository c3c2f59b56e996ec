package io.lockstep.agent.core.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.agent.core.config.AgentConfig;
import io.lockstep.protocol.AgentSources;
import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventSignatures;
import io.lockstep.protocol.EventSigningKey;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.StoreKind;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventSignerTest {

    private static final AgentConfig CONFIG = TestAgentConfigs.agent("pg-signed");

    private final List<String> sent = new ArrayList<>();

    @SuppressWarnings("unchecked")
    private final Emitter<String> emitter = (Emitter<String>) Proxy.newProxyInstance(
            Emitter.class.getClassLoader(), new Class<?>[] {Emitter.class}, (proxy, method, args) -> {
                Message<String> message = (Message<String>) args[0];
                sent.add(message.getPayload());
                message.ack();
                return null;
            });

    @Test
    void everyEventTheAgentSendsIsSignedWithItsKey(@TempDir Path dir) throws IOException {
        byte[] raw = new byte[32];
        new java.security.SecureRandom().nextBytes(raw);
        Path file = dir.resolve("key");
        Files.writeString(file, Base64.getEncoder().encodeToString(raw));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        EventSigningKey key = EventSigningKey.of(raw);

        AgentEvents events = new AgentEvents(emitter, CONFIG, new EventSigner(Optional.of(file.toString())));
        events.heartbeat(new Heartbeat("pg-signed", StoreKind.POSTGRES, "t", Instant.now(), List.of(), List.of()));
        UUID runId = UUID.randomUUID();
        events.accepted(runId, UUID.randomUUID());
        events.failed(runId, UUID.randomUUID(), "boom");

        assertEquals(3, sent.size());
        for (String json : sent) {
            CloudEvent event = EventCodec.decode(json);
            assertEquals(AgentSources.of("pg-signed"), event.source());
            assertEquals(EventSignatures.Verdict.VALID, EventSignatures.verify(event, key), json);
        }
        assertEquals(EventTypes.STEP_FAILED, EventCodec.decode(sent.get(2)).type());
    }

    @Test
    void withoutAKeyFileEventsGoUnsigned() {
        new AgentEvents(emitter, CONFIG, new EventSigner(Optional.empty()))
                .accepted(UUID.randomUUID(), UUID.randomUUID());
        assertNull(EventCodec.decode(sent.get(0)).lockstepsignature());
    }

    @Test
    void aKeyFileOthersCanReadStopsTheAgent(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("key");
        Files.writeString(file, "0123456789abcdefghijklmnopqrstuvwxyz");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        String reason = assertThrows(
                        IllegalArgumentException.class, () -> new EventSigner(Optional.of(file.toString())))
                .getMessage();
        assertTrue(reason.contains("chmod 600") && !reason.contains("0123456789"), reason);
    }

    @Test
    void aKeyFileOthersCanWriteStopsTheAgentAndAReadableOneMustBeAMountedSecret(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("key");
        Files.writeString(file, "0123456789abcdefghijklmnopqrstuvwxyz");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        String reason = assertThrows(
                        IllegalArgumentException.class, () -> new EventSigner(Optional.of(file.toString())))
                .getMessage();
        assertTrue(reason.contains("may be written by others") && !reason.contains("0123456789"), reason);
        // A Compose secret's mode on a writable disk (the temporary directory) is not a mounted secret.
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
        reason = assertThrows(IllegalArgumentException.class, () -> new EventSigner(Optional.of(file.toString())))
                .getMessage();
        assertTrue(reason.contains("read-only mount"), reason);
    }
}
