package io.lockstep.agent.core.command;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jboss.logging.Logger;

/**
 * Quiesce leases, one per run and store. A store stays quiesced while any run holds a live lease on it: the
 * RESUME of one run never lifts the write blocks inside another run's window, and it reports whether its own
 * lease was held without a gap. A lease the coordinator stops renewing runs out: the run is told (the store
 * was no longer held for it), and when no lease is left the agent resumes the store by itself, so a dead
 * coordinator never leaves indexing stopped. Leases live in memory: at start, the agent resumes every store
 * it can quiesce, since whatever quiesced it before belonged to a lease that died with the previous process.
 */
@ApplicationScoped
public class LeaseManager {

    private static final Logger LOG = Logger.getLogger(LeaseManager.class);

    /** A run's hold on a store, and how many other runs held it quiesced when it was taken. */
    public record Hold(Instant until, int sharedWith) {}

    /** What a run's RESUME did. */
    public record Resume(boolean leaseUnbroken, int stillHeldBy, Map<String, String> evidence) {}

    private final StoreHandler handler;
    private final AgentEvents events;
    private final Clock clock = Clock.systemUTC();
    private final QuiesceLeases leases = new QuiesceLeases(clock);
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    /** How long an agent-initiated resume may run before it is interrupted and tried again. */
    static final Duration RESUME_BOUND = Duration.ofMinutes(2);

    /** Stores whose agent-initiated resume is running now, each on its own task. */
    private final Map<String, Resuming> resuming = new ConcurrentHashMap<>();

    private final ExecutorService resumers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "lease-resume");
        t.setDaemon(true);
        return t;
    });
    /** Stores with no lease left whose resume has not succeeded yet; retried every tick. */
    private final Set<String> unresumed = ConcurrentHashMap.newKeySet();

    /** {@code lockstep_agent_lease_expiries_total}: quiesce leases that ran out before their run released them. */
    public static final String LEASE_EXPIRIES = "lockstep.agent.lease.expiries";

    private final Counter expiries;

    public LeaseManager(StoreHandler handler, AgentEvents events, MeterRegistry registry) {
        this.handler = handler;
        this.events = events;
        this.expiries = Counter.builder(LEASE_EXPIRIES)
                .description("Quiesce leases that ran out before their run released them")
                .tag("store_kind", handler.kind().name())
                .register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        handler.stores().stream().map(s -> s.id()).filter(handler::quiescable).forEach(unresumed::add);
    }

    private Object lock(String store) {
        return locks.computeIfAbsent(store, s -> new Object());
    }

    /** Quiesces {@code store} for {@code runId} (again if another run holds it: quiescing is idempotent). */
    public Hold quiesce(String store, UUID runId, UUID stepId, Duration ttl, Map<String, String> evidence)
            throws StepFailure {
        synchronized (lock(store)) {
            evidence.putAll(handler.quiesce(store));
            unresumed.remove(store);
            QuiesceLeases.Lease lease = leases.hold(store, runId, stepId, ttl);
            return new Hold(lease.until(), leases.othersHolding(store, runId));
        }
    }

    /** Extends the lease if {@code runId} still holds it; a renewal for a lapsed or released lease does nothing. */
    public boolean renew(String store, UUID runId, Duration ttl) {
        return leases.renew(store, runId, ttl);
    }

    /** Releases {@code runId}'s lease; resumes the store only if no other run holds it. */
    public Resume release(String store, UUID runId) throws StepFailure {
        synchronized (lock(store)) {
            QuiesceLeases.Release release = leases.release(store, runId);
            if (release.stillHeldBy() > 0) {
                LOG.infof("store %s stays quiesced: %d other run(s) hold it", store, release.stillHeldBy());
                return new Resume(release.unbroken(), release.stillHeldBy(), Map.of());
            }
            try {
                Map<String, String> evidence = handler.resume(store);
                unresumed.remove(store);
                return new Resume(release.unbroken(), 0, evidence);
            } catch (StepFailure | RuntimeException e) {
                unresumed.add(store);
                throw e;
            }
        }
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void expire() {
        var lapsed = leases.takeLapsed();
        lapsed.forEach(l -> {
            LOG.warnf(
                    "quiesce lease of store %s for run %s ran out at %s",
                    l.store(), l.lease().runId(), l.lease().until());
            expiries.increment();
            unresumed.add(l.store());
        });
        for (String store : Set.copyOf(unresumed)) {
            resumeAlone(store);
        }
        // Each run whose lease lapsed is told, whether or not the store could be resumed yet: its window has a gap.
        lapsed.forEach(l -> events.leaseExpired(
                l.lease().runId(), l.lease().stepId(), l.store(), l.lease().until(), clock.instant()));
    }

    /**
     * Resumes a store with no lease left on a task of its own, so a resume that hangs (a hook that never answers)
     * holds up only its own store: the other stores' leases still expire and resume on time. A resume still
     * running after {@link #RESUME_BOUND} is interrupted and tried again on the next tick.
     */
    private void resumeAlone(String store) {
        Resuming running = resuming.get(store);
        if (running != null) {
            if (!running.task().isDone()
                    && clock.instant().isAfter(running.startedAt().plus(RESUME_BOUND))) {
                LOG.errorf("resuming store %s has taken over %s: interrupted, retrying", store, RESUME_BOUND);
                running.task().cancel(true);
                resuming.remove(store, running);
            }
            return;
        }
        Resuming task = new Resuming(clock.instant(), new CompletableFuture<>());
        if (resuming.putIfAbsent(store, task) != null) {
            return;
        }
        Future<?> submitted = resumers.submit(() -> {
            try {
                resumeNow(store);
            } finally {
                resuming.remove(store, task);
            }
        });
        task.taskRef().complete(submitted);
    }

    private void resumeNow(String store) {
        synchronized (lock(store)) {
            if (leases.held(store)) {
                unresumed.remove(store);
                return;
            }
            try {
                handler.resume(store);
                unresumed.remove(store);
                LOG.warnf("store %s had no quiesce lease left: resumed by the agent", store);
            } catch (StepFailure | RuntimeException e) {
                LOG.errorf(
                        "store %s has no quiesce lease left but resuming failed (retrying): %s", store, e.getMessage());
            }
        }
    }

    /** A resume in flight: when it began, and its task (known once submitted). */
    private record Resuming(Instant startedAt, CompletableFuture<Future<?>> taskRef) {
        Future<?> task() {
            Future<?> task = taskRef.getNow(null);
            return task == null ? CompletableFuture.completedFuture(null) : task;
        }
    }
}
