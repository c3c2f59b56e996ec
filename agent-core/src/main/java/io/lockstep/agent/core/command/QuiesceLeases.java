package io.lockstep.agent.core.command;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The book of quiesce leases: per store, one lease per run that quiesced it. Pure bookkeeping (no I/O), so
 * the rules are unit-tested: a store stays quiesced while any run holds a live lease; a run's release says
 * whether its own lease was held without a gap; a renewal only extends the lease of the run that holds it.
 */
final class QuiesceLeases {

    /** A run's hold on a quiesced store. */
    record Lease(UUID runId, UUID stepId, Instant until) {}

    /**
     * What releasing a run's lease found.
     *
     * @param unbroken    the run held a live lease until this release: its quiesce window has no gap
     * @param stillHeldBy how many other runs still hold the store quiesced (0: the store may resume)
     */
    record Release(boolean unbroken, int stillHeldBy) {}

    /** A lease that ran out before its run released it. */
    record Lapse(String store, Lease lease) {}

    private final Clock clock;
    private final Map<String, Map<UUID, Lease>> byStore = new HashMap<>();

    QuiesceLeases(Clock clock) {
        this.clock = clock;
    }

    /** Records (or re-records) {@code runId}'s lease on {@code store}; returns it and how many other runs hold one. */
    synchronized Lease hold(String store, UUID runId, UUID stepId, Duration ttl) {
        Lease lease = new Lease(runId, stepId, clock.instant().plus(ttl));
        byStore.computeIfAbsent(store, s -> new LinkedHashMap<>()).put(runId, lease);
        return lease;
    }

    /** Live leases of runs other than {@code runId} on {@code store}. */
    synchronized int othersHolding(String store, UUID runId) {
        Instant now = clock.instant();
        return (int) byStore.getOrDefault(store, Map.of()).values().stream()
                .filter(l -> !l.runId().equals(runId) && l.until().isAfter(now))
                .count();
    }

    /** Extends {@code runId}'s lease if it is still live; a lapsed or released lease is not revived. */
    synchronized boolean renew(String store, UUID runId, Duration ttl) {
        Map<UUID, Lease> leases = byStore.get(store);
        Lease lease = leases == null ? null : leases.get(runId);
        if (lease == null || !lease.until().isAfter(clock.instant())) {
            return false;
        }
        leases.put(runId, new Lease(runId, lease.stepId(), clock.instant().plus(ttl)));
        return true;
    }

    /** Removes {@code runId}'s lease on {@code store}. */
    synchronized Release release(String store, UUID runId) {
        Instant now = clock.instant();
        Map<UUID, Lease> leases = byStore.get(store);
        Lease mine = leases == null ? null : leases.remove(runId);
        int others = leases == null
                ? 0
                : (int) leases.values().stream()
                        .filter(l -> l.until().isAfter(now))
                        .count();
        if (leases != null && leases.isEmpty()) {
            byStore.remove(store);
        }
        return new Release(mine != null && mine.until().isAfter(now), others);
    }

    /** Removes and returns every lease that has run out. */
    synchronized List<Lapse> takeLapsed() {
        Instant now = clock.instant();
        List<Lapse> lapsed = new ArrayList<>();
        byStore.forEach((store, leases) -> leases.values().removeIf(l -> {
            if (l.until().isAfter(now)) {
                return false;
            }
            lapsed.add(new Lapse(store, l));
            return true;
        }));
        byStore.values().removeIf(Map::isEmpty);
        return lapsed;
    }

    /** Whether any run holds {@code store} quiesced. */
    synchronized boolean held(String store) {
        Instant now = clock.instant();
        return byStore.getOrDefault(store, Map.of()).values().stream()
                .anyMatch(l -> l.until().isAfter(now));
    }
}
