package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.protocol.AgentSources;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.StoreKind;
import io.lockstep.systemtests.support.FaultEnv;
import io.lockstep.systemtests.support.Kafka;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A coordinator killed (SIGKILL) before it ever processed an event from some partitions of
 * {@code lockstep.agent-events}: the agents' events sent to those partitions while it was down must reach its
 * successor. The fault environment's coordinator reads with {@code auto.offset.reset=latest} and, until it dies, sees
 * only its one agent's heartbeats, so at least one partition has never had an event processed. Without a pinned
 * start position that partition would be reset to its end again on restart, and a run whose step results hash to it
 * would wait for its step deadline (this failed QuiescedCoordinatorKillFaultIT once in CI).
 */
class CoordinatorStartPositionFaultIT {

    static FaultEnv env;

    @BeforeAll
    static void setUp() throws Exception {
        env = FaultEnv.start(Duration.ZERO);
    }

    @AfterAll
    static void tearDown() {
        if (env != null) {
            env.close();
        }
    }

    @Test
    void eventsSentToAnyPartitionWhileTheCoordinatorIsDownReachItsSuccessor() throws Exception {
        env.coordinator.kill();

        int partitions = Kafka.partitionCount(env.topics.agentEvents());
        List<String> announced = new ArrayList<>();
        for (int partition = 0; partition < partitions; partition++) {
            String agent = "it-sp-" + env.id + "-" + partition;
            String store = "it" + env.id + "-p" + partition;
            Heartbeat heartbeat = new Heartbeat(
                    agent,
                    StoreKind.POSTGRES,
                    "it",
                    Instant.now(),
                    List.of(new Heartbeat.Store(store, StoreKind.POSTGRES, List.of("db"), Map.of())),
                    List.of());
            // Sent as the agent itself: the coordinator applies a heartbeat only from the agent it names.
            EventCodec codec = new EventCodec(AgentSources.of(agent));
            Kafka.send(
                    env.topics.agentEvents(),
                    partition,
                    agent,
                    codec.encode(EventTypes.AGENT_HEARTBEAT, agent, heartbeat));
            announced.add(store);
        }

        env.coordinator = env.coordinator.restart(Map.of());
        Instant restarted = Instant.now();
        Set<String> seen = new HashSet<>();
        Awaitility.await("the restarted coordinator read the heartbeats sent while it was down")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(300))
                .ignoreExceptions()
                .until(() -> {
                    for (JsonNode s : env.api.get("/api/v1/stores").body()) {
                        seen.add(s.path("id").asText());
                    }
                    return seen.containsAll(announced);
                });
        FaultEnv.record(
                "coordinator-start-position",
                "all " + partitions + " partitions read",
                Duration.between(restarted, Instant.now()));
        assertTrue(seen.containsAll(announced), () -> "stores seen: " + seen);
    }
}
