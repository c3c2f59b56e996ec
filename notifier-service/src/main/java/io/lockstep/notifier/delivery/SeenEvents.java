package io.lockstep.notifier.delivery;

import io.lockstep.notifier.config.NotifierConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The ids of the most recent events, so an event Kafka delivers twice (a rebalance, a restart before the offset
 * commit) notifies once. Each id keeps the future of its handling, so a duplicate is acknowledged only when the
 * original's deliveries are over. Bounded: the oldest id is forgotten first. In memory, like the delivery history.
 */
@ApplicationScoped
public class SeenEvents {

    private final Map<String, CompletableFuture<Void>> ids;

    @Inject
    public SeenEvents(NotifierConfig config) {
        this(config.seenEvents());
    }

    public SeenEvents(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("lockstep.notifier.seen-events must be at least 1");
        }
        this.ids = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<Void>> eldest) {
                return size() > capacity;
            }
        };
    }

    /**
     * Claims an event for handling.
     *
     * @param handling completes when this handling is over
     * @return null the first time an id is claimed; while it is remembered, the earlier claim's future
     */
    public synchronized CompletableFuture<Void> claim(String eventId, CompletableFuture<Void> handling) {
        CompletableFuture<Void> earlier = ids.get(eventId);
        if (earlier != null) {
            return earlier;
        }
        ids.put(eventId, handling);
        return null;
    }
}
