package io.lockstep.coordinator.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.coordinator.catalog.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What {@link CatalogGauges} read from the catalog at one instant.
 *
 * @param lastConsistent per plan, its newest CONSISTENT backup's consistency point (Unix seconds)
 * @param scheduleIntervals per scheduled plan, its schedule's interval (seconds)
 * @param drillRtos per plan, the time to restore of its newest successful drill (seconds)
 * @param outboxRows rows waiting in the outbox
 * @param outboxOldestAgeSeconds age of the oldest of them (0 when there is none)
 * @param agents every known agent
 */
record CatalogSnapshot(
        Map<String, Double> lastConsistent,
        Map<String, Double> scheduleIntervals,
        Map<String, Double> drillRtos,
        long outboxRows,
        double outboxOldestAgeSeconds,
        List<Agent> agents) {

    static final CatalogSnapshot EMPTY = new Builder().build();

    record Agent(String id, String kind, Instant lastSeen, boolean live) {}

    /** A drill's {@code rtoMillis} (RunReports' figures, in the run's result), in seconds; empty without one. */
    static Optional<Double> rtoSeconds(String resultJson) {
        if (resultJson == null || resultJson.isBlank()) {
            return Optional.empty();
        }
        try {
            JsonNode rto = Json.read(resultJson, JsonNode.class).path("rtoMillis");
            return rto.isNumber() ? Optional.of(rto.asLong() / 1000.0) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    static final class Builder {
        private final Map<String, Double> lastConsistent = new TreeMap<>();
        private final Map<String, Double> scheduleIntervals = new TreeMap<>();
        private final Map<String, Double> drillRtos = new TreeMap<>();
        private final List<Agent> agents = new ArrayList<>();
        private long outboxRows;
        private double outboxOldestAge;

        Builder lastConsistent(String plan, Instant at) {
            lastConsistent.put(plan, at.toEpochMilli() / 1000.0);
            return this;
        }

        Builder scheduleInterval(String plan, double seconds) {
            scheduleIntervals.put(plan, seconds);
            return this;
        }

        Builder drillRto(String plan, double seconds) {
            drillRtos.put(plan, seconds);
            return this;
        }

        Builder outbox(long rows, Optional<Instant> oldest, Instant now) {
            outboxRows = rows;
            outboxOldestAge = oldest.map(
                            t -> Math.max(0, Duration.between(t, now).toMillis()) / 1000.0)
                    .orElse(0.0);
            return this;
        }

        Builder agent(String id, String kind, Instant lastSeen, boolean live) {
            agents.add(new Agent(id, kind, lastSeen, live));
            return this;
        }

        CatalogSnapshot build() {
            return new CatalogSnapshot(
                    Map.copyOf(lastConsistent),
                    Map.copyOf(scheduleIntervals),
                    Map.copyOf(drillRtos),
                    outboxRows,
                    outboxOldestAge,
                    List.copyOf(agents));
        }
    }
}
