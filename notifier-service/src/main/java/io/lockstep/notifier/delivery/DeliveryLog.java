package io.lockstep.notifier.delivery;

import io.lockstep.notifier.config.NotifierConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/**
 * The most recent deliveries, newest first, in memory only: a restart forgets them. The dead-letter topic and the
 * log are the durable record of failures.
 */
@ApplicationScoped
public class DeliveryLog {

    private final int capacity;
    private final ArrayDeque<Delivery> ring = new ArrayDeque<>();

    @Inject
    public DeliveryLog(NotifierConfig config) {
        this(config.historySize());
    }

    public DeliveryLog(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("lockstep.notifier.history-size must be at least 1");
        }
        this.capacity = capacity;
    }

    public synchronized void add(Delivery delivery) {
        if (ring.size() == capacity) {
            ring.removeLast();
        }
        ring.addFirst(delivery);
    }

    /** Up to {@code limit} deliveries that match, newest first. */
    public List<Delivery.View> recent(Predicate<Delivery.View> filter, int limit) {
        List<Delivery> snapshot;
        synchronized (this) {
            snapshot = new ArrayList<>(ring);
        }
        List<Delivery.View> out = new ArrayList<>();
        for (Iterator<Delivery> it = snapshot.iterator(); it.hasNext() && out.size() < limit; ) {
            Delivery.View view = it.next().view();
            if (filter.test(view)) {
                out.add(view);
            }
        }
        return out;
    }
}
