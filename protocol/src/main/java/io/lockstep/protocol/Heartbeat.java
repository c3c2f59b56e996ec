package io.lockstep.protocol;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * An agent announcing itself and the stores it serves. Sent on start and then periodically.
 *
 * @param agentId stable id of the agent
 * @param kind the kind of store this agent serves
 * @param version the agent's software version
 * @param startedAt when this agent process started; a change tells the coordinator it restarted
 * @param stores the stores it serves, described without any secret
 * @param activeSteps the steps it is working on right now
 */
public record Heartbeat(
        String agentId, StoreKind kind, String version, Instant startedAt, List<Store> stores, List<UUID> activeSteps) {

    public Heartbeat {
        stores = stores == null ? List.of() : List.copyOf(stores);
        activeSteps = activeSteps == null ? List.of() : List.copyOf(activeSteps);
    }

    /**
     * One store as an agent announces it.
     *
     * @param id store id, unique across the installation
     * @param kind kind of store
     * @param databases for PostgreSQL, the databases backed up by default
     * @param attributes non-secret facts for operators (host, port, bucket, indices, ...)
     */
    public record Store(String id, StoreKind kind, List<String> databases, Map<String, String> attributes) {
        public Store {
            databases = databases == null ? List.of() : List.copyOf(databases);
            attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        }
    }
}
