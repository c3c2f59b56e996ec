package io.lockstep.coordinator.metrics;

/**
 * The coordinator's own meters, as Micrometer names them; Prometheus sees dots as underscores, counters with
 * {@code _total}, timers in {@code _seconds} (README, "Metrics and alerts", lists the exported names).
 */
public final class MeterNames {

    /** Counter: runs that ended, by plan, type and final state. */
    public static final String RUNS = "lockstep.runs";
    /** Histogram: run durations, by plan, type and final state. */
    public static final String RUN_DURATION = "lockstep.run.duration";
    /** Summary: bytes per completed run, by plan and type. */
    public static final String RUN_BYTES = "lockstep.run.bytes";
    /** Summary: objects per completed backup that copied an object store, by plan. */
    public static final String RUN_OBJECTS = "lockstep.run.objects";
    /** Histogram: step durations of ended runs, by action, store kind and state. */
    public static final String STEP_DURATION = "lockstep.step.duration";
    /** Histogram: quiesce windows of backups, by plan. */
    public static final String QUIESCE_WINDOW = "lockstep.quiesce.window";
    /** Counter: drills and re-verifications, by plan, kind and outcome. */
    public static final String VERIFICATIONS = "lockstep.verifications";

    /** Gauge: the consistency point of the plan's newest CONSISTENT backup (Unix seconds). */
    public static final String LAST_CONSISTENT = "lockstep.last.consistent.backup.timestamp.seconds";
    /** Gauge: the interval of a scheduled plan's schedule, in seconds. */
    public static final String SCHEDULE_INTERVAL = "lockstep.plan.schedule.interval.seconds";
    /** Gauge: the time to restore measured by the plan's newest successful drill, in seconds. */
    public static final String LAST_DRILL_RTO = "lockstep.last.drill.rto.seconds";
    /** Gauge: rows waiting in the outbox. */
    public static final String OUTBOX_BACKLOG = "lockstep.outbox.backlog";
    /** Gauge: age of the oldest row in the outbox, in seconds (0 when empty). */
    public static final String OUTBOX_OLDEST_AGE = "lockstep.outbox.oldest.age.seconds";
    /** Gauge: how far behind now the coordinators have read agent events, in seconds. */
    public static final String EVENT_LAG = "lockstep.agent.events.lag.seconds";
    /** Gauge: 1 if an agent is live, 0 if it went silent, by agent and kind. */
    public static final String AGENT_UP = "lockstep.agent.up";
    /** Gauge: an agent's newest heartbeat (Unix seconds), by agent and kind. */
    public static final String AGENT_LAST_SEEN = "lockstep.agent.last.heartbeat.timestamp.seconds";

    private MeterNames() {}
}
