package io.lockstep.coordinator.metrics;

import io.lockstep.coordinator.feed.AgentFeed;
import io.lockstep.coordinator.plan.CronSchedule;
import io.lockstep.coordinator.run.AgentLiveness;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The gauges computed from the catalog, which every coordinator sharing it reports alike (take {@code max} over
 * coordinators): per plan, its newest CONSISTENT backup, its schedule's interval and its newest drill's time to
 * restore; the outbox's backlog; each agent's liveness. They are read every
 * {@code lockstep.coordinator.metrics-refresh-every} (15 s), not per scrape, so a scrape never queries the catalog;
 * a failed read keeps the previous values. The agent-events lag is read from {@link AgentFeed} at each scrape.
 */
@ApplicationScoped
public class CatalogGauges {

    private static final Logger LOG = Logger.getLogger(CatalogGauges.class);

    private final EntityManager em;
    private final AgentLiveness liveness;
    private final AgentFeed feed;
    private final MeterRegistry registry;
    private final Clock clock = Clock.systemUTC();
    private volatile CatalogSnapshot snapshot = CatalogSnapshot.EMPTY;
    private MultiGauge lastConsistent;
    private MultiGauge scheduleInterval;
    private MultiGauge drillRto;
    private MultiGauge agentUp;
    private MultiGauge agentLastSeen;

    CatalogGauges(EntityManager em, AgentLiveness liveness, AgentFeed feed, MeterRegistry registry) {
        this.em = em;
        this.liveness = liveness;
        this.feed = feed;
        this.registry = registry;
    }

    void register(@Observes StartupEvent start) {
        lastConsistent = MultiGauge.builder(MeterNames.LAST_CONSISTENT)
                .description("Consistency point of the plan's newest CONSISTENT backup not expired (Unix seconds)")
                .register(registry);
        scheduleInterval = MultiGauge.builder(MeterNames.SCHEDULE_INTERVAL)
                .description("Interval of the plan's schedule, between its next two fire times (seconds)")
                .register(registry);
        drillRto = MultiGauge.builder(MeterNames.LAST_DRILL_RTO)
                .description("Time to restore measured by the plan's newest successful restore drill (seconds)")
                .register(registry);
        agentUp = MultiGauge.builder(MeterNames.AGENT_UP)
                .description("1 if the agent is live, 0 if it went silent (judged as for runs)")
                .register(registry);
        agentLastSeen = MultiGauge.builder(MeterNames.AGENT_LAST_SEEN)
                .description("The agent's newest heartbeat the coordinators handled (Unix seconds)")
                .register(registry);
        Gauge.builder(MeterNames.OUTBOX_BACKLOG, this, g -> g.snapshot.outboxRows())
                .description("Rows in the outbox not yet sent to Kafka")
                .register(registry);
        Gauge.builder(MeterNames.OUTBOX_OLDEST_AGE, this, g -> g.snapshot.outboxOldestAgeSeconds())
                .description("Age of the oldest outbox row when the catalog was last read (seconds; 0 if empty)")
                .register(registry);
        Gauge.builder(MeterNames.EVENT_LAG, this, CatalogGauges::eventLagSeconds)
                .description("How far behind now the coordinators have read lockstep.agent-events (seconds; NaN"
                        + " until the first offset check)")
                .register(registry);
    }

    double eventLagSeconds() {
        return feed.caughtUpTo()
                .map(t -> Math.max(0, clock.millis() - t.toEpochMilli()) / 1000.0)
                .orElse(Double.NaN);
    }

    @Scheduled(
            every = "${lockstep.coordinator.metrics-refresh-every:15s}",
            delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        if (lastConsistent == null) {
            return; // not registered yet
        }
        try {
            CatalogSnapshot read = QuarkusTransaction.requiringNew().call(() -> read(clock.instant()));
            snapshot = read;
            publish(read);
        } catch (RuntimeException e) {
            LOG.warnf("could not read the catalog for the metrics (keeping the previous values): %s", e.getMessage());
        }
    }

    private void publish(CatalogSnapshot s) {
        lastConsistent.register(rows(s.lastConsistent(), "plan"), true);
        scheduleInterval.register(rows(s.scheduleIntervals(), "plan"), true);
        drillRto.register(rows(s.drillRtos(), "plan"), true);
        List<MultiGauge.Row<?>> up = new ArrayList<>();
        List<MultiGauge.Row<?>> seen = new ArrayList<>();
        for (CatalogSnapshot.Agent a : s.agents()) {
            Tags tags = Tags.of("agent", a.id(), "kind", a.kind());
            up.add(MultiGauge.Row.of(tags, a.live() ? 1 : 0));
            seen.add(MultiGauge.Row.of(tags, a.lastSeen().toEpochMilli() / 1000.0));
        }
        agentUp.register(up, true);
        agentLastSeen.register(seen, true);
    }

    private static List<MultiGauge.Row<?>> rows(java.util.Map<String, Double> values, String tag) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        values.forEach((key, value) -> rows.add(MultiGauge.Row.of(Tags.of(tag, key), value)));
        return rows;
    }

    /** One read of the catalog, in the caller's transaction. */
    CatalogSnapshot read(Instant now) {
        CatalogSnapshot.Builder b = new CatalogSnapshot.Builder();
        for (Object[] row : rows("select r.plan_name, max(coalesce(r.consistency_point, r.ended_at)) from runs r"
                + " join plans p on p.name = r.plan_name"
                + " where r.type = 'BACKUP' and r.state = 'CONSISTENT' and r.expired_at is null"
                + " group by r.plan_name")) {
            instant(row[1]).ifPresent(t -> b.lastConsistent((String) row[0], t));
        }
        for (Object[] row : rows("select s.plan_name, s.schedule, s.timezone from plan_schedules s")) {
            try {
                ZoneId zone = ZoneId.of((String) row[2]);
                var next = CronSchedule.parse((String) row[1], zone).next(now.atZone(zone), 2);
                if (next.size() == 2) {
                    b.scheduleInterval(
                            (String) row[0],
                            java.time.Duration.between(next.get(0), next.get(1)).toMillis() / 1000.0);
                }
            } catch (RuntimeException e) {
                LOG.debugf("plan %s: schedule %s left out of the metrics: %s", row[0], row[1], e.getMessage());
            }
        }
        for (Object[] row : rows("select distinct on (plan_name) plan_name, result from runs"
                + " where type = 'DRILL' and state = 'SUCCEEDED' order by plan_name, ended_at desc")) {
            CatalogSnapshot.rtoSeconds((String) row[1]).ifPresent(rto -> b.drillRto((String) row[0], rto));
        }
        Object[] outbox = rows("select count(*), min(created_at) from outbox").get(0);
        b.outbox(((Number) outbox[0]).longValue(), instant(outbox[1]), now);
        for (Object[] row : rows("select id, kind, last_seen from agents")) {
            instant(row[2])
                    .ifPresent(seen -> b.agent((String) row[0], String.valueOf(row[1]), seen, !liveness.silent(seen)));
        }
        return b.build();
    }

    @SuppressWarnings("unchecked")
    private List<Object[]> rows(String sql) {
        return em.createNativeQuery(sql).getResultList();
    }

    private static Optional<Instant> instant(Object value) {
        if (value instanceof Instant i) {
            return Optional.of(i);
        }
        if (value instanceof Timestamp t) {
            return Optional.of(t.toInstant());
        }
        if (value instanceof OffsetDateTime o) {
            return Optional.of(o.toInstant());
        }
        return Optional.empty();
    }
}
