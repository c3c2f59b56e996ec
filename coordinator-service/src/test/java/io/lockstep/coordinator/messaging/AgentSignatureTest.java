package io.lockstep.coordinator.messaging;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.coordinator.support.AgentEventsDriver;
import io.lockstep.coordinator.support.InMemoryMessaging;
import io.lockstep.coordinator.support.TestTokens;
import io.lockstep.protocol.AgentSources;
import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventSignatures;
import io.lockstep.protocol.EventSigningKey;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StepEvents;
import io.lockstep.protocol.StoreKind;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySource;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Signed agent events ({@code lockstep.coordinator.agent-keys-dir}, {@code require-signed-events=true}): an event for
 * an agent with a key is applied only if that key signed it; an unsigned one, or one signed with another agent's key,
 * is refused and audited like a wrong sender's; an agent without a key is refused altogether. {@code ScramKafkaIT}
 * does the same on the real broker with real agents.
 */
@QuarkusTest
@QuarkusTestResource(InMemoryMessaging.class)
@TestProfile(AgentSignatureTest.Keys.class)
@ExtendWith(TestTokens.AsAdmin.class)
class AgentSignatureTest {

    /**
     * Keys for two agents with fresh ids, in a new directory (files 0600); signed events required. The test reads
     * ids and keys back from that directory (the profile and the test may not share static state).
     */
    public static class Keys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                String suffix = UUID.randomUUID().toString().substring(0, 8);
                Path dir = Files.createTempDirectory("agent-keys");
                for (String agent : List.of("signed-" + suffix, "other-" + suffix)) {
                    byte[] key = new byte[32];
                    new SecureRandom().nextBytes(key);
                    Path file = dir.resolve(agent);
                    Files.writeString(file, Base64.getEncoder().encodeToString(key));
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                }
                return Map.of(
                        "lockstep.coordinator.agent-keys-dir",
                        dir.toString(),
                        "lockstep.coordinator.require-signed-events",
                        "true");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @ConfigProperty(name = "lockstep.coordinator.agent-keys-dir")
    String keysDir;

    String suffix;
    String owner;
    String other;
    String unkeyed;
    EventSigningKey ownerKey;
    EventSigningKey otherKey;

    @BeforeEach
    void readKeys() throws IOException {
        try (var files = Files.list(Path.of(keysDir))) {
            String signed = files.map(f -> f.getFileName().toString())
                    .filter(n -> n.startsWith("signed-"))
                    .findFirst()
                    .orElseThrow();
            suffix = signed.substring("signed-".length());
        }
        owner = "signed-" + suffix;
        other = "other-" + suffix;
        unkeyed = "unkeyed-" + suffix;
        ownerKey = EventSigningKey.load(Path.of(keysDir, owner));
        otherKey = EventSigningKey.load(Path.of(keysDir, other));
    }

    @Inject
    @Any
    InMemoryConnector connector;

    @Test
    void onlyEventsTheStepAgentsKeySignedAreApplied() {
        InMemorySource<String> events = connector.source("agent-events");
        AgentEventsDriver agents = new AgentEventsDriver(events, connector.sink("outbox"));
        String store = "signed-db-" + suffix;
        events.send(heartbeat(owner, store, ownerKey));
        await().atMost(Duration.ofSeconds(10)).until(() -> agentOf(store).equals(owner));

        given().contentType("application/json")
                .body("{\"stores\": [\"" + store + "\"]}")
                .put("/api/v1/plans/plan-" + store)
                .then()
                .statusCode(201);
        String runId = given().contentType("application/json")
                .body("{}")
                .post("/api/v1/plans/plan-" + store + "/backups")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        StepCommand capture = await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> agents.commands(InMemoryMessaging.TOPICS.commands(StoreKind.POSTGRES)).stream()
                                .filter(c -> c.runId().toString().equals(runId) && c.action() == StepAction.BACKUP)
                                .findFirst(),
                        Optional::isPresent)
                .orElseThrow();
        events.send(signed(
                owner,
                EventTypes.STEP_ACCEPTED,
                runId,
                new StepEvents.Accepted(capture.runId(), capture.stepId(), owner, Instant.now()),
                ownerKey));
        await().atMost(Duration.ofSeconds(10)).until(() -> stepState(capture.stepId()) == StepState.RUNNING);

        StepEvents.Succeeded success = new StepEvents.Succeeded(
                capture.runId(),
                capture.stepId(),
                100,
                "sha-forged",
                capture.artifact(),
                Instant.now(),
                Instant.now(),
                Map.of());
        events.send(signed(owner, EventTypes.STEP_SUCCEEDED, runId, success, null));
        events.send(signed(owner, EventTypes.STEP_SUCCEEDED, runId, success, otherKey));
        CloudEvent relabelled = EventCodec.decode(signed(owner, EventTypes.STEP_SUCCEEDED, runId, success, otherKey));
        events.send(EventCodec.toJson(relabelled.withSignature(ownerKey.id(), relabelled.lockstepsignature())));
        drain(events);

        assertEquals(StepState.RUNNING, stepState(capture.stepId()), "no forged success was applied");
        List<Map<String, Object>> refused = await().atMost(Duration.ofSeconds(10))
                .until(() -> audit("method=EVENT&targetKind=run&targetId=" + runId), rows -> rows.size() == 3);
        assertTrue(
                refused.stream()
                        .allMatch(r -> ("agent:" + owner).equals(r.get("subject"))
                                && Integer.valueOf(403).equals(r.get("status"))
                                && EventTypes.STEP_SUCCEEDED.equals(r.get("path"))),
                refused.toString());
        String details = refused.toString();
        assertTrue(details.contains("it is not signed, but its sender has a signing key"), details);
        assertTrue(details.contains("it is signed with key " + otherKey.id()), details);
        assertTrue(details.contains("its signature does not match its sender's key " + ownerKey.id()), details);

        events.send(signed(owner, EventTypes.STEP_SUCCEEDED, runId, success, ownerKey));
        await().atMost(Duration.ofSeconds(10)).until(() -> stepState(capture.stepId()) == StepState.SUCCEEDED);
    }

    @Test
    void anAgentWithoutAKeyIsRefusedWhenSignedEventsAreRequired() {
        String store = "unkeyed-db-" + suffix;
        InMemorySource<String> events = connector.source("agent-events");
        events.send(heartbeat(unkeyed, store, null));
        events.send(heartbeat(unkeyed, store, otherKey));
        String keyed = "keyed-db-" + suffix;
        events.send(heartbeat(other, keyed, otherKey));
        await().atMost(Duration.ofSeconds(10)).until(() -> agentOf(keyed).equals(other));

        assertEquals("", agentOf(store), "the unkeyed agent registered nothing");
        List<Object> known = given().get("/api/v1/agents").jsonPath().getList("id");
        assertFalse(known.contains(unkeyed), known.toString());
        List<Map<String, Object>> refused = await().atMost(Duration.ofSeconds(10))
                .until(() -> audit("method=EVENT&targetKind=agent&targetId=" + unkeyed), rows -> !rows.isEmpty());
        assertEquals(1, refused.size(), "one agent life, one reason, one entry: " + refused);
        assertTrue(
                String.valueOf(refused.get(0).get("detail")).contains("signed events are required"),
                refused.toString());
        assertEquals(403, refused.get(0).get("status"));
    }

    /** Events are handled in order: once a signed marker heartbeat is applied, everything before it was too. */
    private void drain(InMemorySource<String> events) {
        String marker = "marker-" + UUID.randomUUID().toString().substring(0, 8);
        events.send(heartbeat(other, marker, otherKey));
        await().atMost(Duration.ofSeconds(10)).until(() -> agentOf(marker).equals(other));
    }

    private static String heartbeat(String agent, String store, EventSigningKey key) {
        return signed(
                agent,
                EventTypes.AGENT_HEARTBEAT,
                agent,
                AgentEventsDriver.heartbeatOf(
                        agent,
                        StoreKind.POSTGRES,
                        store,
                        List.of("app"),
                        Instant.parse("2026-11-30T08:00:00Z"),
                        List.of()),
                key);
    }

    /** The event as the agent would send it, signed with the key (null: unsigned). */
    private static String signed(String agent, String type, String subject, Object payload, EventSigningKey key) {
        CloudEvent event = new EventCodec(AgentSources.of(agent), Clock.fixed(Instant.now(), ZoneOffset.UTC))
                .wrap(type, subject, payload);
        return EventCodec.toJson(key == null ? event : EventSignatures.sign(event, key));
    }

    private static String agentOf(String store) {
        List<Map<String, Object>> stores =
                given().get("/api/v1/stores").jsonPath().getList("$");
        return stores.stream()
                .filter(s -> store.equals(s.get("id")))
                .map(s -> String.valueOf(s.get("agent")))
                .findFirst()
                .orElse("");
    }

    private static List<Map<String, Object>> audit(String query) {
        return given().get("/api/v1/audit?" + query)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("$");
    }

    private static StepState stepState(UUID stepId) {
        return QuarkusTransaction.requiringNew().call(() -> StepEntity.<StepEntity>findById(stepId).state);
    }
}
