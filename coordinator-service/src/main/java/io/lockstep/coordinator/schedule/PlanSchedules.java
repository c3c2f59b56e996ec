package io.lockstep.coordinator.schedule;

import io.lockstep.coordinator.catalog.PlanEntity;
import io.lockstep.coordinator.catalog.PlanScheduleEntity;
import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.config.CoordinatorConfig;
import io.lockstep.coordinator.outbox.Outbox;
import io.lockstep.coordinator.plan.CronSchedule;
import io.lockstep.coordinator.plan.PlanChanged;
import io.lockstep.coordinator.run.RunStateMachine;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.PlanEvent;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Fires scheduled plans and raises the staleness alarm. Each scheduled plan has a {@code plan_schedules} row with its
 * next fire time. A due row is claimed with {@code SELECT ... FOR UPDATE SKIP LOCKED} and advanced past now in the
 * same transaction that starts the run, so with several coordinators on one catalog a slot fires once, and a
 * coordinator that was down fires one catch-up run for all the slots it missed.
 */
@ApplicationScoped
public class PlanSchedules {

    private static final Logger LOG = Logger.getLogger(PlanSchedules.class);
    public static final String SCHEDULED_LABEL = "scheduled";

    private final EntityManager em;
    private final RunStateMachine machine;
    private final Outbox outbox;
    private final CoordinatorConfig config;

    PlanSchedules(EntityManager em, RunStateMachine machine, Outbox outbox, CoordinatorConfig config) {
        this.em = em;
        this.machine = machine;
        this.outbox = outbox;
        this.config = config;
    }

    Clock clock = Clock.systemUTC();

    /** What one claimed slot did: started a run, or skipped because {@code activeRunId} was still going. */
    public record Firing(String plan, Instant slot, int missedSlots, UUID runId, boolean skipped) {}

    @Scheduled(
            every = "${lockstep.coordinator.schedule-check-every:10s}",
            delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (!config.schedulerEnabled()) {
            return;
        }
        Instant now = clock.instant();
        fireDue(now);
        try {
            checkStaleness(now);
        } catch (RuntimeException e) {
            LOG.warnf("staleness check failed (will retry): %s", e.getMessage());
        }
    }

    /** A plan created before schedules were stored, or while this coordinator was down, gets its row. */
    void onStart(@Observes StartupEvent start) {
        List<String> missing = QuarkusTransaction.requiringNew()
                .call(() -> em.createQuery(
                                "select p.name from PlanEntity p where p.name not in (select s.plan from PlanScheduleEntity s)",
                                String.class)
                        .getResultList());
        for (String name : missing) {
            try {
                QuarkusTransaction.requiringNew().run(() -> {
                    PlanEntity plan = PlanEntity.findById(name);
                    if (plan != null) {
                        planChanged(name, plan.spec);
                    }
                });
            } catch (RuntimeException e) {
                LOG.debugf(
                        "schedule of plan %s not stored at startup (another coordinator may have): %s",
                        name, e.getMessage());
            }
        }
    }

    /** A plan was created or replaced: its next fire time is stored or recomputed, inside the same transaction. */
    @Transactional(Transactional.TxType.MANDATORY)
    void onPlanChanged(@Observes PlanChanged change) {
        planChanged(change.name(), change.spec());
    }

    /** Stores or recomputes a plan's next fire time after it was created or replaced (inside its transaction). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void planChanged(String name, PlanSpec spec) {
        PlanScheduleEntity row = em.find(PlanScheduleEntity.class, name);
        if (spec.schedule() == null) {
            if (row != null) {
                em.remove(row);
            }
            return;
        }
        String zone = spec.timezone() == null ? "UTC" : spec.timezone();
        if (row != null && row.schedule.equals(spec.schedule()) && row.timezone.equals(zone)) {
            return;
        }
        Optional<Instant> next = nextAfter(spec.schedule(), zone, clock.instant());
        if (next.isEmpty()) {
            if (row != null) {
                em.remove(row);
            }
            return;
        }
        if (row == null) {
            row = new PlanScheduleEntity();
            row.plan = name;
        }
        row.schedule = spec.schedule();
        row.timezone = zone;
        row.nextFireAt = next.get();
        row.persist();
        LOG.infof("plan %s is scheduled '%s' (%s); next run at %s", name, row.schedule, zone, row.nextFireAt);
    }

    /** The fire time of a plan's schedule, if it is scheduled. */
    public Optional<Instant> nextFireAt(String plan) {
        return PlanScheduleEntity.<PlanScheduleEntity>findByIdOptional(plan).map(s -> s.nextFireAt);
    }

    /**
     * Fires every plan whose next fire time is at or before {@code now}: one run per plan however many slots were
     * missed, or a recorded skip if the plan's previous run is still going. Each plan in its own transaction.
     */
    public List<Firing> fireDue(Instant now) {
        List<Firing> fired = new ArrayList<>();
        Set<String> failed = new HashSet<>();
        while (true) {
            Optional<Firing> firing;
            try {
                firing = QuarkusTransaction.requiringNew().call(() -> fireOne(now, failed));
            } catch (RuntimeException e) {
                FiringFailed failure = cause(e);
                if (failure == null) {
                    throw e;
                }
                failed.add(failure.plan);
                LOG.warnf("scheduled run of plan %s not started (will retry): %s", failure.plan, failure.getCause());
                continue;
            }
            if (firing.isEmpty()) {
                return fired;
            }
            fired.add(firing.get());
        }
    }

    private Optional<Firing> fireOne(Instant now, Set<String> exclude) {
        Optional<String> due = DueRows.lockFirstDue(em, "plan_schedules", now, exclude);
        if (due.isEmpty()) {
            return Optional.empty();
        }
        String name = due.get();
        try {
            return Optional.of(fire(name, now));
        } catch (RuntimeException e) {
            throw new FiringFailed(name, e);
        }
    }

    private Firing fire(String name, Instant now) {
        PlanScheduleEntity row = em.find(PlanScheduleEntity.class, name);
        PlanEntity plan = PlanEntity.findById(name);
        CronSchedule cron = CronSchedule.parse(row.schedule, ZoneId.of(row.timezone));
        Instant slot = row.nextFireAt;
        int missed = 0;
        for (ZonedDateTime t : cron.next(slot.atZone(ZoneId.of(row.timezone)), 1000)) {
            if (t.toInstant().isAfter(now)) {
                break;
            }
            missed++;
        }
        row.nextFireAt = nextAfter(row.schedule, row.timezone, now).orElse(now.plus(Duration.ofDays(3660)));
        row.lastFiredAt = now;
        if (missed > 0) {
            LOG.infof("plan %s missed %d more slot(s) since %s: starting one catch-up run", name, missed, slot);
        }
        RunEntity active = RunEntity.<RunEntity>find(
                        "plan = ?1 and state in ?2 order by createdAt desc", name, RunState.ACTIVE)
                .firstResult();
        if (active != null) {
            String reason = "scheduled run due at " + slot + " skipped: "
                    + active.type.name().toLowerCase(java.util.Locale.ROOT) + " run " + active.id
                    + " of the plan is still " + active.state;
            outbox.planEvent(
                    EventTypes.RUN_SKIPPED, new PlanEvent(name, reason, active.id, lastConsistentAt(name), now));
            LOG.warnf("plan %s: %s", name, reason);
            return new Firing(name, slot, missed, active.id, true);
        }
        RunEntity run = machine.startBackup(plan, SCHEDULED_LABEL, false);
        LOG.infof("plan %s: scheduled run %s for slot %s (%s)", name, run.id, slot, run.state);
        return new Firing(name, slot, missed, run.id, false);
    }

    /**
     * Raises {@code io.lockstep.plan.stale} for each scheduled plan that has had no CONSISTENT run for more than
     * {@code stale-after-intervals} intervals of its schedule (counted from the plan's creation if it never had
     * one), once per stale episode; a plan that is healthy again is re-armed.
     *
     * @return the alarms raised now
     */
    public List<PlanEvent> checkStaleness(Instant now) {
        return QuarkusTransaction.requiringNew().call(() -> {
            @SuppressWarnings("unchecked")
            List<String> names = em.createNativeQuery(
                            "select plan_name from plan_schedules order by plan_name " + "for update skip locked")
                    .getResultList();
            List<PlanEvent> raised = new ArrayList<>();
            for (String name : names) {
                PlanScheduleEntity row = em.find(PlanScheduleEntity.class, name);
                PlanEntity plan = PlanEntity.findById(name);
                Optional<Duration> interval = interval(row, now);
                if (plan == null || interval.isEmpty()) {
                    continue;
                }
                Duration limit = Duration.ofMillis((long) (interval.get().toMillis() * config.staleAfterIntervals()));
                Instant lastConsistent = lastConsistentAt(name);
                Instant since = lastConsistent != null ? lastConsistent : plan.createdAt;
                boolean stale = since.plus(limit).isBefore(now);
                if (stale && row.staleSince == null) {
                    row.staleSince = now;
                    String reason = (lastConsistent == null
                                    ? "no CONSISTENT run since the plan was created at " + plan.createdAt
                                    : "no CONSISTENT run since " + lastConsistent)
                            + ", more than "
                            + config.staleAfterIntervals() + " schedule intervals (" + limit + ")";
                    PlanEvent event = new PlanEvent(name, reason, null, lastConsistent, now);
                    outbox.planEvent(EventTypes.PLAN_STALE, event);
                    raised.add(event);
                    LOG.warnf("plan %s is stale: %s", name, reason);
                } else if (!stale && row.staleSince != null) {
                    row.staleSince = null;
                    LOG.infof("plan %s is healthy again: CONSISTENT run at %s", name, lastConsistent);
                }
            }
            return raised;
        });
    }

    /** The time between two consecutive fire times of the schedule, after now. */
    private static Optional<Duration> interval(PlanScheduleEntity row, Instant now) {
        ZoneId zone = ZoneId.of(row.timezone);
        List<ZonedDateTime> next = CronSchedule.parse(row.schedule, zone).next(now.atZone(zone), 2);
        return next.size() < 2 ? Optional.empty() : Optional.of(Duration.between(next.get(0), next.get(1)));
    }

    private static Optional<Instant> nextAfter(String schedule, String zone, Instant after) {
        ZoneId z = ZoneId.of(zone);
        return CronSchedule.parse(schedule, z).next(after.atZone(z), 1).stream()
                .findFirst()
                .map(ZonedDateTime::toInstant);
    }

    /** When the plan's newest CONSISTENT backup ended, or null. */
    static Instant lastConsistentAt(String plan) {
        return RunEntity.<RunEntity>find(
                        "plan = ?1 and type = ?2 and state = ?3 order by endedAt desc",
                        plan,
                        RunType.BACKUP,
                        RunState.CONSISTENT)
                .firstResultOptional()
                .map(r -> r.endedAt)
                .orElse(null);
    }

    private static FiringFailed cause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FiringFailed f) {
                return f;
            }
        }
        return null;
    }

    /** A plan whose firing failed; it is left for the next tick while the others fire. */
    private static final class FiringFailed extends RuntimeException {
        final String plan;

        FiringFailed(String plan, RuntimeException cause) {
            super(cause);
            this.plan = plan;
        }
    }
}
