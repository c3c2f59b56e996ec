package io.lockstep.coordinator.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import java.util.HashMap;
import java.util.Map;

/** Swaps the coordinator's Kafka channels for in-memory ones: unit tests of logic, no broker involved. */
public class InMemoryMessaging implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        config.putAll(InMemoryConnector.switchIncomingChannelsToInMemory("agent-events"));
        config.putAll(InMemoryConnector.switchOutgoingChannelsToInMemory("outbox"));
        config.put("lockstep.coordinator.supervise-every", "1h");
        config.put("lockstep.coordinator.quiesce-lease", "20s");
        return config;
    }

    @Override
    public void stop() {
        InMemoryConnector.clear();
    }
}
