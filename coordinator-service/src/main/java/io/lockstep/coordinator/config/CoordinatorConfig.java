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

    /** The longest a single step may take before it fails as timed out. */
    @WithDefault("6h")
    Duration stepTimeout();

    /**
     * The lease of a search store's quiesce. The coordinator renews it while the run needs the store quiet; an
     * agent whose lease runs out resumes indexing by itself.
     */
    @WithDefault("60s")
    Duration quiesceLease();

    /** How often running runs are checked for timed-out steps and silent agents, and leases renewed. */
    @WithDefault("5s")
    Duration superviseEvery();
}
