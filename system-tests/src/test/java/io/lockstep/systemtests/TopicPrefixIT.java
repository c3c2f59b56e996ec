package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.protocol.AgentSources;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.StoreKind;
import io.lockstep.protocol.Topics;
import io.lockstep.systemtests.support.Kafka;
import io.lockstep.systemtests.support.Lockstep;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Two installations on one broker, told apart by their topic prefix: this build's coordinator (prefix {@code it-<id>.})
 * never consumes the agent events of another installation (prefix {@code it-<id>-other.}), while it does consume the
 * same kind of record on its own topic.
 */
class TopicPrefixIT {

    @Test
    void aCoordinatorIgnoresTheAgentsOfAnInstallationWithAnotherPrefix() throws Exception {
        Lockstep lockstep = Lockstep.get();
        Topics other = Topics.withPrefix("it-" + lockstep.id + "-other.");
        String foreignStore = "it" + lockstep.id + "-foreign";
        String ownStore = "it" + lockstep.id + "-own";
        String foreignAgent = "it-foreign-" + lockstep.id;

        try {
            Kafka.send(other.agentEvents(), foreignAgent, heartbeat(foreignAgent, foreignStore));
            Kafka.send(
                    lockstep.topics.agentEvents(),
                    "it-own-" + lockstep.id,
                    heartbeat("it-own-" + lockstep.id, ownStore));

            // The record on this installation's topic is read: the coordinator is consuming.
            Awaitility.await("the own store announced")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() -> ids(lockstep.api.get("/api/v1/stores").body()).contains(ownStore));
            assertFalse(
                    ids(lockstep.api.get("/api/v1/stores").body()).contains(foreignStore),
                    "the other installation's store is not in this catalog");
            assertFalse(
                    ids(lockstep.api.get("/api/v1/agents").body()).contains(foreignAgent),
                    "the other installation's agent is not in this catalog");
            // Not a matter of time: the coordinator's group never read the other installation's topic.
            try (Admin admin = Admin.create(Kafka.plaintext())) {
                Map<TopicPartition, ?> committed = admin.listConsumerGroupOffsets(
                                "lockstep-coordinator-it-" + lockstep.id)
                        .partitionsToOffsetAndMetadata()
                        .get();
                assertTrue(
                        committed.keySet().stream().anyMatch(p -> p.topic().equals(lockstep.topics.agentEvents())),
                        "the coordinator commits on its own topic: " + committed.keySet());
                assertTrue(
                        committed.keySet().stream().allMatch(p -> p.topic().startsWith(lockstep.topics.prefix())),
                        "the coordinator reads no other installation's topic: " + committed.keySet());
            }
        } finally {
            Kafka.deleteTopics(other.prefix());
        }
    }

    private static String heartbeat(String agent, String store) {
        return new EventCodec(AgentSources.of(agent))
                .encode(
                        EventTypes.AGENT_HEARTBEAT,
                        agent,
                        new Heartbeat(
                                agent,
                                StoreKind.POSTGRES,
                                "test",
                                Instant.now(),
                                List.of(new Heartbeat.Store(store, StoreKind.POSTGRES, List.of("app"), Map.of())),
                                List.of()));
    }

    private static List<String> ids(JsonNode items) {
        List<String> ids = new ArrayList<>();
        items.forEach(i -> ids.add(i.path("id").asText()));
        return ids;
    }
}
