package io.lockstep.notifier.delivery;

import io.lockstep.notifier.config.NotifierConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ids of the most recent events, so an event Kafka delivers twice (a rebalance, a restart before the offset
 * commit) notifies once. Bounded: the oldest id is forgotten first. In memory, like the delivery history.
 */
@ApplicationScoped
public class SeenEvents {

    private final Map<String, Boolean> ids;

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
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    /** True the first time an id is offered, false while it is still remembered. */
    public synchronized boolean firstTime(String eventId) {
        return ids.put(eventId, Boolean.TRUE) == null;
    }
}
