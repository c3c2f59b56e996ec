package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.protocol.AgentSources;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StepEvents;
import io.lockstep.protocol.StoreKind;
import io.lockstep.systemtests.support.Kafka;
import io.lockstep.systemtests.support.Lockstep;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Agent events speak only for their sender, on the real broker and coordinator: a VERIFY success for a running step,
 * sent on this build's agent-events topic by another agent id, is refused and audited and changes nothing; the same
 * success from the step's own agent is applied. The step's agent is played by the test (heartbeats, command
 * answers), so the step stays running exactly as long as the test needs.
 */
class AgentSenderIT {

    static Lockstep lockstep;
    static String agent;
    static String store;
    static ScheduledExecutorService heartbeats;

    @BeforeAll
    static void setUp() {
        lockstep = Lockstep.get();
        agent = "it-played-" + lockstep.id;
        store = "it" + lockstep.id + "-played";
        Instant started = Instant.now();
        heartbeats = Executors.newSingleThreadScheduledExecutor();
        heartbeats.scheduleAtFixedRate(() -> heartbeat(started), 0, 1, TimeUnit.SECONDS);
        lockstep.api.awaitStoreLive(store);
    }

    @AfterAll
    static void tearDown() {
        heartbeats.shutdownNow();
    }

    @Test
    void aForgedVerifySuccessFromAnotherAgentIsRefusedAndTheRunIsUnaffected() throws Exception {
        String plan = "it" + lockstep.id + "-sender";
        lockstep.api.putPlan(plan, "{\"stores\": [\"" + store + "\"]}");
        String runId = lockstep.api.startBackup(plan);

        StepCommand backup = awaitCommand(runId, StepAction.BACKUP);
        send(
                agent,
                EventTypes.STEP_ACCEPTED,
                runId,
                new StepEvents.Accepted(backup.runId(), backup.stepId(), agent, Instant.now()));
        send(
                agent,
                EventTypes.STEP_SNAPSHOT_TAKEN,
                runId,
                new StepEvents.SnapshotTaken(backup.runId(), backup.stepId(), Instant.now(), "0/1", "1-1"));
        String sha = "ab".repeat(32);
        send(
                agent,
                EventTypes.STEP_SUCCEEDED,
                runId,
                new StepEvents.Succeeded(
                        backup.runId(),
                        backup.stepId(),
                        1234,
                        sha,
                        backup.artifact(),
                        Instant.now(),
                        Instant.now(),
                        Map.of()));
        StepCommand verify = awaitCommand(runId, StepAction.VERIFY);
        assertEquals(sha, verify.expectedSha256());
        assertEquals(agent, verify.parameter(StepCommand.Parameters.AGENT), "the command is addressed to the agent");
        send(
                agent,
                EventTypes.STEP_ACCEPTED,
                runId,
                new StepEvents.Accepted(verify.runId(), verify.stepId(), agent, Instant.now()));
        awaitStep(runId, verify, "RUNNING");

        String forger = "it-forger-" + lockstep.id;
        StepEvents.Succeeded verified = new StepEvents.Succeeded(
                verify.runId(),
                verify.stepId(),
                1234,
                sha,
                verify.artifact(),
                Instant.now(),
                Instant.now(),
                Map.of("tocEntries", "7"));
        send(forger, EventTypes.STEP_SUCCEEDED, runId, verified);

        JsonNode refused = Awaitility.await("the forged event audited")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(300))
                .until(
                        () -> lockstep.api
                                .get("/api/v1/audit?method=EVENT&targetKind=run&targetId=" + runId)
                                .body(),
                        rows -> rows.size() > 0);
        assertEquals(1, refused.size(), refused::toPrettyString);
        assertEquals("agent:" + forger, refused.get(0).path("subject").asText());
        assertEquals(403, refused.get(0).path("status").asInt());
        assertTrue(
                refused.get(0).path("detail").asText().contains("dispatched to agent " + agent),
                refused::toPrettyString);
        JsonNode run = lockstep.api.get("/api/v1/runs/" + runId).body();
        assertEquals("VERIFYING", run.path("state").asText(), run::toPrettyString);
        assertEquals("RUNNING", step(run, verify).path("state").asText(), run::toPrettyString);
        assertTrue(
                lockstep.coordinator.occurrences("refused " + EventTypes.STEP_SUCCEEDED) >= 1,
                "the coordinator logs the refusal at WARN");

        // The same success from the step's own agent is applied: what was refused was the sender.
        send(agent, EventTypes.STEP_SUCCEEDED, runId, verified);
        awaitStep(runId, verify, "SUCCEEDED");
        lockstep.api.awaitEnd(runId);
    }

    @Test
    void aHeartbeatOfASecondAgentClaimingTheStoreDoesNotTakeItOver() throws Exception {
        String claimant = "it-claimant-" + lockstep.id;
        send(
                claimant,
                EventTypes.AGENT_HEARTBEAT,
                claimant,
                new Heartbeat(
                        claimant,
                        StoreKind.POSTGRES,
                        "test",
                        Instant.now(),
                        List.of(new Heartbeat.Store(store, StoreKind.POSTGRES, List.of("app"), Map.of())),
                        List.of()));

        JsonNode refused = Awaitility.await("the claim audited")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(300))
                .until(
                        () -> lockstep.api
                                .get("/api/v1/audit?method=EVENT&targetKind=store&targetId=" + store)
                                .body(),
                        rows -> rows.size() > 0);
        assertEquals("agent:" + claimant, refused.get(0).path("subject").asText(), refused::toPrettyString);
        assertEquals(409, refused.get(0).path("status").asInt());
        JsonNode announced = null;
        for (JsonNode s : lockstep.api.get("/api/v1/stores").body()) {
            if (s.path("id").asText().equals(store)) {
                announced = s;
            }
        }
        assertTrue(announced != null, "the store is still listed");
        assertEquals(agent, announced.path("agent").asText(), announced::toPrettyString);
        assertTrue(
                lockstep.coordinator.occurrences("agent " + claimant + " announces store " + store) >= 1,
                "the coordinator logs the refused claim at WARN");
    }

    private static StepCommand awaitCommand(String runId, StepAction action) {
        var records = Kafka.readUntil(
                lockstep.topics.commands(StoreKind.POSTGRES),
                rs -> rs.stream().anyMatch(r -> isCommand(r.value(), runId, action)));
        return records.stream()
                .filter(r -> isCommand(r.value(), runId, action))
                .map(r -> EventCodec.decodePayload(r.value(), StepCommand.class))
                .findFirst()
                .orElseThrow();
    }

    private static boolean isCommand(String value, String runId, StepAction action) {
        if (!value.contains(runId)) {
            return false;
        }
        StepCommand command = EventCodec.decodePayload(value, StepCommand.class);
        return command.runId().toString().equals(runId) && command.action() == action;
    }

    private static void awaitStep(String runId, StepCommand command, String state) {
        Awaitility.await("step " + command.stepId() + " " + state)
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> step(lockstep.api.get("/api/v1/runs/" + runId).body(), command)
                        .path("state")
                        .asText()
                        .equals(state));
    }

    private static JsonNode step(JsonNode run, StepCommand command) {
        for (JsonNode step : run.path("steps")) {
            if (step.path("id").asText().equals(command.stepId().toString())) {
                return step;
            }
        }
        throw new AssertionError("no step " + command.stepId() + " in " + run.toPrettyString());
    }

    private static void heartbeat(Instant started) {
        try {
            send(
                    agent,
                    EventTypes.AGENT_HEARTBEAT,
                    agent,
                    new Heartbeat(
                            agent,
                            StoreKind.POSTGRES,
                            "test",
                            started,
                            List.of(new Heartbeat.Store(store, StoreKind.POSTGRES, List.of("app"), Map.of())),
                            List.of()));
        } catch (Exception e) {
            System.err.println("heartbeat of " + agent + " not sent: " + e.getMessage());
        }
    }

    private static void send(String sender, String type, String key, Object payload) throws Exception {
        Kafka.send(
                lockstep.topics.agentEvents(), key, new EventCodec(AgentSources.of(sender)).encode(type, key, payload));
    }
}
