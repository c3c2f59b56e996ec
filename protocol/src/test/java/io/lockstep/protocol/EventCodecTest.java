package io.lockstep.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    private final Instant now = Instant.parse("2026-11-21T08:00:00.123456Z");
    private final EventCodec codec = new EventCodec("/test", Clock.fixed(now, ZoneOffset.UTC));

    @Test
    void stepCommandSurvivesARoundTripThroughTheEnvelope() {
        var command = new StepCommand(
                UUID.randomUUID(),
                UUID.randomUUID(),
                "nightly",
                "app-db",
                StepAction.BACKUP,
                "clinical",
                "runs/nightly/x/app-db/clinical.dump",
                null,
                now.plusSeconds(60),
                Map.of("k", "v"));

        String json = codec.encode(EventTypes.STEP_COMMAND, command.runId().toString(), command);
        CloudEvent event = EventCodec.decode(json);

        assertEquals("1.0", event.specversion());
        assertEquals("/test", event.source());
        assertEquals(EventTypes.STEP_COMMAND, event.type());
        assertEquals(now, event.time());
        assertEquals(command, EventCodec.payload(event, StepCommand.class));
    }

    @Test
    void everyEnvelopeGetsItsOwnId() {
        var failed = new StepEvents.Failed(UUID.randomUUID(), UUID.randomUUID(), "boom", now);
        assertNotEquals(
                codec.wrap(EventTypes.STEP_FAILED, "s", failed).id(),
                codec.wrap(EventTypes.STEP_FAILED, "s", failed).id());
    }

    @Test
    void heartbeatKeepsStoresAndActiveSteps() {
        var step = UUID.randomUUID();
        var heartbeat = new Heartbeat(
                "pg-1",
                StoreKind.POSTGRES,
                "0.1",
                now,
                List.of(new Heartbeat.Store("app-db", StoreKind.POSTGRES, List.of("a", "b"), Map.of("host", "h"))),
                List.of(step));
        Heartbeat back =
                EventCodec.decodePayload(codec.encode(EventTypes.AGENT_HEARTBEAT, "pg-1", heartbeat), Heartbeat.class);
        assertEquals(heartbeat, back);
    }

    @Test
    void malformedRecordsAreRejectedWithAReason() {
        assertTrue(assertThrows(MalformedEventException.class, () -> EventCodec.decode("{not json"))
                .getMessage()
                .contains("not a CloudEvents JSON object"));
        assertTrue(assertThrows(MalformedEventException.class, () -> EventCodec.decode(""))
                .getMessage()
                .contains("empty"));
        assertTrue(assertThrows(
                        MalformedEventException.class,
                        () -> EventCodec.decode(
                                "{\"specversion\":\"1.0\",\"source\":\"/x\",\"type\":\"io.lockstep.step.failed\",\"data\":{}}"))
                .getMessage()
                .contains("'id'"));
        assertTrue(assertThrows(
                        MalformedEventException.class,
                        () -> EventCodec.decode(
                                "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/x\",\"type\":\"io.other\",\"data\":{}}"))
                .getMessage()
                .contains("unknown event type"));
    }

    @Test
    void payloadMissingARequiredFieldIsMalformed() {
        String json = "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/x\",\"type\":\"io.lockstep.command.step\","
                + "\"data\":{\"store\":\"a\"}}";
        CloudEvent event = EventCodec.decode(json);
        assertThrows(MalformedEventException.class, () -> EventCodec.payload(event, StepCommand.class));
    }

    @Test
    void askingForTheWrongPayloadTypeIsMalformed() {
        var failed = new StepEvents.Failed(UUID.randomUUID(), UUID.randomUUID(), "boom", now);
        CloudEvent event = codec.wrap(EventTypes.STEP_FAILED, "s", failed);
        assertThrows(MalformedEventException.class, () -> EventCodec.payload(event, StepEvents.Succeeded.class));
    }

    @Test
    void commandTopicFollowsTheStoreKind() {
        assertEquals("lockstep.commands.postgres", Topics.commandsFor(StoreKind.POSTGRES));
        assertEquals("lockstep.commands.objectstore", Topics.commandsFor(StoreKind.OBJECTSTORE));
        assertEquals("lockstep.commands.search", Topics.commandsFor(StoreKind.SEARCH));
    }

    @Test
    void everyTopicTakesThePrefix() {
        Topics topics = Topics.withPrefix("site-b.");
        assertEquals("site-b.lockstep.agent-events", topics.agentEvents());
        assertEquals("site-b.lockstep.run-events", topics.runEvents());
        assertEquals("site-b.lockstep.commands.search", topics.commands(StoreKind.SEARCH));
        assertEquals("lockstep.agent-events", Topics.withPrefix("").agentEvents());
        assertEquals("lockstep.commands.postgres", Topics.withPrefix(null).commands(StoreKind.POSTGRES));
    }

    @Test
    void aPrefixThatWouldMakeAnIllegalTopicNameIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Topics.withPrefix("site b/"));
    }
}
