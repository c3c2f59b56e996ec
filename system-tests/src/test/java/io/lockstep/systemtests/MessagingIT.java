package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockstep.protocol.Topics;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.Kafka;
import io.lockstep.systemtests.support.Lockstep;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Kafka contracts against the real broker: idempotent handlers, dead letters, public run events. */
class MessagingIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static Lockstep lockstep;
    static String db;

    @BeforeAll
    static void setUp() throws Exception {
        lockstep = Lockstep.get();
        db = lockstep.ordersDb;
        AppDatabase.recreate(db);
        AppDatabase.fillShop(db, 500);
        lockstep.api.awaitStoreLive(lockstep.singleStore);
        lockstep.api.putPlan(plan(), "{\"stores\": [\"" + lockstep.singleStore + "\"]}");
    }

    @AfterAll
    static void tearDown() throws Exception {
        AppDatabase.drop(db);
    }

    static String plan() {
        return "it" + lockstep.id + "-messaging";
    }

    @Test
    void replayingEveryAgentEventOfAFinishedRunChangesNothing() throws Exception {
        String runId = lockstep.api.startBackup(plan());
        JsonNode before = lockstep.api.awaitEnd(runId);
        assertEquals("CONSISTENT", before.path("state").asText());

        // Every step event of this run as it travelled: accepted, snapshot taken, progress, succeeded.
        List<ConsumerRecord<String, String>> events = Kafka.readUntil(
                lockstep.topics.agentEvents(),
                records -> records.stream()
                                .filter(r -> runId.equals(r.key()))
                                .filter(r -> r.value().contains("io.lockstep.step.succeeded"))
                                .count()
                        >= 2);
        List<ConsumerRecord<String, String>> ofRun =
                events.stream().filter(r -> runId.equals(r.key())).toList();
        assertTrue(ofRun.size() >= 4, "accepted, snapshot and two successes at least: " + ofRun.size());

        for (ConsumerRecord<String, String> record : ofRun) {
            Kafka.send(lockstep.topics.agentEvents(), record.key(), record.value());
        }
        Kafka.awaitConsumed("lockstep-coordinator-it-" + lockstep.id, lockstep.topics.agentEvents());

        JsonNode after = lockstep.api.get("/api/v1/runs/" + runId).body();
        assertEquals(before, after, "a replayed event is a no-op");
    }

    @Test
    void aMalformedAgentEventGoesToTheDeadLetterTopicAndTheCoordinatorCarriesOn() throws Exception {
        String notJson = "not-json-" + UUID.randomUUID();
        String badData = "bad-data-" + UUID.randomUUID();
        Kafka.send(lockstep.topics.agentEvents(), "garbage", "{\"this is\": \"" + notJson + "\"");
        Kafka.send(
                lockstep.topics.agentEvents(),
                "garbage",
                "{\"specversion\":\"1.0\",\"id\":\"" + badData + "\",\"source\":\"/x\","
                        + "\"type\":\"io.lockstep.step.succeeded\",\"data\":{\"runId\":\"not-a-uuid\"}}");

        // Any coordinator consuming the topic (this build's, a demo's) dead-letters them; each must be there.
        List<ConsumerRecord<String, String>> dead = Kafka.readUntil(
                Topics.deadLetter(lockstep.topics.agentEvents()),
                records -> records.stream().anyMatch(r -> r.value().contains(notJson))
                        && records.stream().anyMatch(r -> r.value().contains(badData)));
        ConsumerRecord<String, String> letter = dead.stream()
                .filter(r -> r.value().contains(badData))
                .findFirst()
                .orElseThrow();
        assertTrue(letter.headers().lastHeader("dead-letter-reason") != null, "the dead letter says why");

        String runId = lockstep.api.startBackup(plan());
        assertEquals(
                "CONSISTENT",
                lockstep.api.awaitEnd(runId).path("state").asText(),
                "the consumer still handles events after the bad records");
    }

    @Test
    void runLifecycleIsPublishedAsCloudEvents() throws Exception {
        String runId = lockstep.api.startBackup(plan());
        assertEquals("CONSISTENT", lockstep.api.awaitEnd(runId).path("state").asText());

        List<ConsumerRecord<String, String>> events = Kafka.readUntil(
                lockstep.topics.runEvents(),
                records -> records.stream()
                        .anyMatch(r -> runId.equals(r.key()) && r.value().contains("run.consistent")));
        List<JsonNode> ofRun = events.stream()
                .filter(r -> runId.equals(r.key()))
                .map(r -> parse(r.value()))
                .toList();
        assertEquals(
                List.of("io.lockstep.run.started", "io.lockstep.run.consistent"),
                ofRun.stream().map(e -> e.path("type").asText()).toList());
        JsonNode consistent = ofRun.get(1);
        assertEquals("1.0", consistent.path("specversion").asText());
        assertFalse(consistent.path("id").asText().isEmpty());
        assertEquals("CONSISTENT", consistent.path("data").path("state").asText());
        assertEquals(plan(), consistent.path("data").path("plan").asText());
        assertFalse(consistent.path("data").path("consistencyPoint").isNull());
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
