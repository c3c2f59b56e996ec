package io.lockstep.coordinator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The coordinator's own settings. */
@ConfigMapping(prefix = "lockstep.coordinator")
public interface CoordinatorConfig {

    /**
     * A store whose agent sent no heartbeat for this long counts as offline: a backup of it fails fast, and a
     * running step on it fails.
     */
    @WithDefault("30s")
    Duration agentLiveness();

    /**
     * How long an agent event that failed for a transient reason (the catalog unreachable) is held and retried
     * before it is dead-lettered.
     */
    @WithDefault("10m")
    Duration eventRetryFor();

    /** The longest a single step may take before it fails as timed out. */
    @WithDefault("6h")
    Duration stepTimeout();

    /**
     * The lease of a search store's quiesce. The coordinator renews it while the run needs the store quiet; an
     * agent whose lease runs out resumes indexing by itself.
     */
    @WithDefault("60s")
    Duration quiesceLease();

    /**
     * How often a run's event stream ({@code GET /api/v1/runs/{id}/events}) reads the run. It reads it at once when this
     * coordinator ended the run.
     */
    @WithDefault("500ms")
    Duration runStreamEvery();

    /** How often running runs are checked for timed-out steps and silent agents, and leases renewed. */
    @WithDefault("5s")
    Duration superviseEvery();

    /**
     * A RUNNING step that its agent's heartbeat does not list fails at once, but only if the heartbeat was sent at
     * least this long after the agent accepted the step (a heartbeat built just before the step was registered may
     * be read after its {@code accepted}). A heartbeat of a newer process of the agent needs no grace.
     */
    @WithDefault("5s")
    Duration activeStepsGrace();

    /** Whether this coordinator fires scheduled plans and checks staleness (off: API and runs only). */
    @WithDefault("true")
    boolean schedulerEnabled();

    /** Whether this coordinator runs retention passes by itself (the retention endpoints work either way). */
    @WithDefault("true")
    boolean retentionEnabled();

    /** How often the scheduler looks for due plans (and checks staleness). */
    @WithDefault("10s")
    Duration scheduleCheckEvery();

    /**
     * A scheduled plan with no CONSISTENT run for longer than this many intervals of its schedule (the time between
     * two consecutive fire times) is stale: {@code io.lockstep.plan.stale} is published once per stale episode.
     */
    @WithDefault("2")
    double staleAfterIntervals();

    /** How long FAILED and CANCELLED runs are kept, unless the plan's retention sets {@code failedAfter}. */
    @WithDefault("3d")
    Duration failedRetention();

    /** How often retention runs over every plan. It also runs shortly after each backup ends. */
    @WithDefault("1h")
    Duration retentionEvery();

    /** How often expiries in progress are advanced and plans whose backup just ended get their retention pass. */
    @WithDefault("15s")
    Duration retentionCheckEvery();

    /** How long a search agent has to delete an expired run's snapshot before the coordinator asks again. */
    @WithDefault("10m")
    Duration expireTimeout();

    /**
     * How long handled event ids are kept in {@code processed_events} to make replays no-ops; older rows are deleted
     * in batches (a replay older than this is far beyond any broker redelivery).
     */
    @WithDefault("7d")
    Duration processedEventsRetention();

    /** How often old {@code processed_events} rows are pruned. */
    @WithDefault("1h")
    Duration processedEventsPruneEvery();

    /** How often the metrics' catalog gauges (last CONSISTENT backup per plan, outbox, agents) are read again. */
    @WithDefault("15s")
    Duration metricsRefreshEvery();

    /**
     * How often the broker is asked for the agent-events topic's end offsets ({@code feed/AgentFeed}). Read by that
     * schedule; declared here so that setting it is accepted (an undeclared key under {@code lockstep.coordinator}
     * fails the coordinator's start).
     */
    @WithDefault("1s")
    Duration feedCheckEvery();
}
