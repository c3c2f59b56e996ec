package io.lockstep.agent.core.command;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Quiesce leases, one per store. A quiesce holds until the coordinator releases it (RESUME) or stops
 * renewing it: then this agent resumes the store by itself and says so, so a dead coordinator never leaves
 * indexing stopped.
 */
@ApplicationScoped
public class LeaseManager {

    private static final Logger LOG = Logger.getLogger(LeaseManager.class);

    /** A held quiesce. */
    public record Lease(UUID runId, UUID stepId, Instant until) {
    }

    @Inject
    StoreHandler handler;
    @Inject
    AgentEvents events;

    private final Clock clock = Clock.systemUTC();
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();

    public Lease hold(String store, UUID runId, UUID stepId, Duration ttl) {
        Lease lease = new Lease(runId, stepId, clock.instant().plus(ttl));
        leases.put(store, lease);
        return lease;
    }

    /** Extends the lease if {@code runId} holds it; a renewal for a released lease does nothing. */
    public boolean renew(String store, UUID runId, Duration ttl) {
        Lease renewed = leases.computeIfPresent(store, (s, l) -> l.runId().equals(runId)
                ? new Lease(l.runId(), l.stepId(), clock.instant().plus(ttl)) : l);
        return renewed != null && renewed.runId().equals(runId);
    }

    public void release(String store) {
        leases.remove(store);
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void expire() {
        Instant now = clock.instant();
        leases.forEach((store, lease) -> {
            if (lease.until().isAfter(now)) {
                return;
            }
            try {
                handler.resume(store);
                leases.remove(store, lease);
                LOG.warnf("quiesce lease of store %s for run %s ran out at %s: resumed by the agent", store,
                        lease.runId(), lease.until());
                events.leaseExpired(lease.runId(), lease.stepId(), store, lease.until(), clock.instant());
            } catch (StepFailure | RuntimeException e) {
                LOG.errorf("quiesce lease of store %s ran out but resuming failed (retrying): %s", store, e.getMessage());
            }
        });
    }
}
