package io.lockstep.coordinator.run;

import io.lockstep.coordinator.config.CoordinatorConfig;
import io.lockstep.coordinator.feed.AgentFeed;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether an agent went silent, judged only over time the coordinator has actually read: an agent is silent when its
 * newest handled heartbeat (or the moment the broker became reachable again, if later) is older than the liveness
 * window before {@link AgentFeed#caughtUpTo()}, not before "now". A coordinator that restarted, waits for a
 * rebalance or cannot reach the broker judges nobody until it has read what Kafka holds; the step deadline still bounds every step.
 */
@ApplicationScoped
public class AgentLiveness implements BackupPlanner.Liveness {

    private final CoordinatorConfig config;
    private final AgentFeed feed;

    @Inject
    public AgentLiveness(CoordinatorConfig config, AgentFeed feed) {
        this.config = config;
        this.feed = feed;
    }

    /** Whether an agent last seen at {@code lastSeen} counts as silent. */
    @Override
    public boolean silent(Instant lastSeen) {
        Optional<Instant> readUpTo = feed.caughtUpTo();
        Optional<Instant> connected = feed.reachableSince();
        if (readUpTo.isEmpty() || connected.isEmpty()) {
            return false;
        }
        // Silence counts over time the broker was reachable: an agent cannot have sent while it was not.
        Instant silentSince = lastSeen.isAfter(connected.get()) ? lastSeen : connected.get();
        return silentSince.isBefore(readUpTo.get().minus(config.agentLiveness()));
    }

    /** Whether every agent event sent up to {@code instant} has been read and handled. */
    public boolean readUpTo(Instant instant) {
        return feed.caughtUpTo().map(t -> !instant.isAfter(t)).orElse(false);
    }

    /** See {@link CoordinatorConfig#activeStepsGrace()}. */
    public java.time.Duration activeStepsGrace() {
        return config.activeStepsGrace();
    }

    /** The window, for messages. */
    @Override
    public long windowSeconds() {
        return config.agentLiveness().toSeconds();
    }
}
