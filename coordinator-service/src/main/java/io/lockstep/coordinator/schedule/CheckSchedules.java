package io.lockstep.coordinator.schedule;

import io.lockstep.coordinator.catalog.CheckEntity;
import io.lockstep.coordinator.catalog.PlanCheckScheduleEntity;
import io.lockstep.coordinator.catalog.PlanEntity;
import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.check.RepositoryChecks;
import io.lockstep.coordinator.config.CoordinatorConfig;
import io.lockstep.coordinator.plan.CronSchedule;
import io.lockstep.coordinator.plan.PlanChanged;
import io.quarkus.narayana.jta.QuarkusTransaction;
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
 * Fires the plans' scheduled repository checks ({@link PlanSpec.Check}, issue 16) the way {@link PlanSchedules} fires
 * backups: each plan with a check has a {@code plan_check_schedules} row with its next fire time; a due row is claimed
 * with {@code SELECT ... FOR UPDATE SKIP LOCKED} and advanced past now in the transaction that records the check, so
 * with several coordinators a slot starts one check, and missed slots start one. While another check runs (one runs at
 * a time), a due row is left due and fires once that check ended. The check is recorded like a manual one (requested
 * by {@code schedule of plan <name>}, with its plan) and run by {@link RepositoryChecks} on the claiming coordinator.
 */
@ApplicationScoped
public class CheckSchedules {

    private static final Logger LOG = Logger.getLogger(CheckSchedules.class);

    private final EntityManager em;
    private final RepositoryChecks checks;
    private final CoordinatorConfig config;

    CheckSchedules(EntityManager em, RepositoryChecks checks, CoordinatorConfig config) {
        this.em = em;
        this.checks = checks;
        this.config = config;
    }

    Clock clock = Clock.systemUTC();

    /** What one due slot did: started {@code checkId}, or waited (null) because another check was running. */
    public record Firing(String plan, Instant slot, UUID checkId) {}

    @Scheduled(
            every = "${lockstep.coordinator.schedule-check-every:10s}",
            delayed = "7s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        if (config.schedulerEnabled()) {
            fireDue(clock.instant());
        }
    }

    /** A plan was created or replaced: its check's next fire time is stored, recomputed or dropped, in its transaction. */
    @Transactional(Transactional.TxType.MANDATORY)
    void onPlanChanged(@Observes PlanChanged change) {
        planChanged(change.name(), change.spec());
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void planChanged(String name, PlanSpec spec) {
        PlanCheckScheduleEntity row = em.find(PlanCheckScheduleEntity.class, name);
        PlanSpec.Check check = spec.check();
        String zone = spec.timezone() == null ? "UTC" : spec.timezone();
        Optional<Instant> next = check == null ? Optional.empty() : nextAfter(check.schedule(), zone, clock.instant());
        if (next.isEmpty()) {
            if (row != null) {
                em.remove(row);
            }
            return;
        }
        if (row != null && row.schedule.equals(check.schedule()) && row.timezone.equals(zone)) {
            return;
        }
        if (row == null) {
            row = new PlanCheckScheduleEntity();
            row.plan = name;
        }
        row.schedule = check.schedule();
        row.timezone = zone;
        row.nextFireAt = next.get();
        row.persist();
        LOG.infof(
                "plan %s: repository check scheduled '%s' (%s); next at %s", name, row.schedule, zone, row.nextFireAt);
    }

    /** When the plan's check fires next, if it has one. */
    public Optional<Instant> nextFireAt(String plan) {
        return QuarkusTransaction.requiringNew()
                .call(() -> PlanCheckScheduleEntity.<PlanCheckScheduleEntity>findByIdOptional(plan)
                        .map(s -> s.nextFireAt));
    }

    /**
     * Starts the check of every plan whose check is due at {@code now}, each claimed in its own transaction and run
     * once committed; a plan whose check cannot start now (another check runs) stays due.
     */
    public List<Firing> fireDue(Instant now) {
        List<Firing> fired = new ArrayList<>();
        Set<String> passed = new HashSet<>();
        String[] tried = {null};
        while (true) {
            Optional<Claimed> claimed;
            try {
                claimed = QuarkusTransaction.requiringNew().call(() -> claimOne(now, passed, tried));
            } catch (RuntimeException e) {
                // another coordinator's check was recorded between our look and our insert: the slot stays due
                String plan = tried[0];
                if (plan == null) {
                    throw e;
                }
                passed.add(plan);
                LOG.infof("scheduled repository check of plan %s not started (will retry): %s", plan, e.getMessage());
                continue;
            }
            if (claimed.isEmpty()) {
                return fired;
            }
            Claimed c = claimed.get();
            passed.add(c.plan);
            if (c.check != null) {
                checks.launch(c.check);
                LOG.infof("plan %s: scheduled repository check %s for slot %s", c.plan, c.check.id, c.slot);
            }
            fired.add(new Firing(c.plan, c.slot, c.check == null ? null : c.check.id));
        }
    }

    private record Claimed(String plan, Instant slot, CheckEntity check) {}

    /** Claims the first due row not in {@code exclude}; {@code tried[0]} names it, should the transaction fail. */
    private Optional<Claimed> claimOne(Instant now, Set<String> exclude, String[] tried) {
        tried[0] = null;
        Optional<String> due = DueRows.lockFirstDue(em, "plan_check_schedules", now, exclude);
        if (due.isEmpty()) {
            return Optional.empty();
        }
        String name = due.get();
        tried[0] = name;
        PlanCheckScheduleEntity row = em.find(PlanCheckScheduleEntity.class, name);
        PlanEntity plan = PlanEntity.findById(name);
        PlanSpec.Check check = plan == null ? null : plan.spec.check();
        Instant slot = row.nextFireAt;
        if (check == null) {
            em.remove(row);
            return Optional.of(new Claimed(name, slot, null));
        }
        CheckEntity recorded = checks.recordScheduled(
                name,
                Boolean.TRUE.equals(check.readData()),
                check.samplePercent() == null ? 100 : check.samplePercent());
        if (recorded == null) {
            LOG.debugf("plan %s: scheduled repository check waits for the running check", name);
            return Optional.of(new Claimed(name, slot, null));
        }
        row.nextFireAt = nextAfter(row.schedule, row.timezone, now).orElse(now.plus(Duration.ofDays(3660)));
        row.lastFiredAt = now;
        row.lastCheckId = recorded.id;
        em.flush(); // the one-running index refuses a second RUNNING check here, inside the claim
        return Optional.of(new Claimed(name, slot, recorded));
    }

    private static Optional<Instant> nextAfter(String schedule, String zone, Instant after) {
        ZoneId z = ZoneId.of(zone);
        return CronSchedule.parse(schedule, z).next(after.atZone(z), 1).stream()
                .findFirst()
                .map(ZonedDateTime::toInstant);
    }
}
