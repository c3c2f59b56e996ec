package io.lockstep.coordinator.support;

import io.lockstep.protocol.Topics;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import java.util.HashMap;
import java.util.Map;

/** Swaps the coordinator's Kafka channels for in-memory ones: unit tests of logic, no broker involved. */
public class InMemoryMessaging implements QuarkusTestResourceLifecycleManager {

    /**
     * The coordinator under test runs with a topic prefix of its own, so every test of the state machine also checks
     * that commands and run events are addressed to the prefixed topics.
     */
    public static final Topics TOPICS = Topics.withPrefix("coordinator-test.");

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        config.putAll(InMemoryConnector.switchIncomingChannelsToInMemory("agent-events"));
        config.putAll(InMemoryConnector.switchOutgoingChannelsToInMemory("outbox"));
        config.put(Topics.PREFIX_PROPERTY, TOPICS.prefix());
        config.put("lockstep.coordinator.supervise-every", "1h");
        config.put("lockstep.coordinator.quiesce-lease", "20s");
        return config;
    }

    @Override
    public void stop() {
        InMemoryConnector.clear();
    }
}
