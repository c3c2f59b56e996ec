package io.lockstep.agent.core.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings every agent shares. */
@ConfigMapping(prefix = "lockstep.agent")
public interface AgentConfig {

    /** Stable id of this agent. Also names its Kafka consumer group, so each agent sees every command. */
    String id();

    /** How often the agent announces itself and its stores. Keep it well under the coordinator's liveness window. */
    @WithDefault("5s")
    Duration heartbeatInterval();

    /** How many steps this agent runs at once; further commands wait their turn. */
    @WithDefault("4")
    int maxConcurrentSteps();

    /**
     * How often the repository sweeper runs ({@code RepositorySweeper}); read by its schedule. Declared here so that
     * setting it is accepted: an undeclared key under {@code lockstep.agent} fails the agent's start.
     */
    @WithDefault("15m")
    Duration sweepEvery();

    /** How soon after start the repository sweeper first runs. */
    @WithDefault("2s")
    Duration sweepDelay();

    /**
     * When an open multipart upload of the agent's stores, not in flight in this process, is stale: begun before this
     * process started, or longer ago than this.
     */
    @WithDefault("1m")
    Duration sweepStaleAfter();

    /** When a {@code tmp/} object of the agent's stores is stale: written before this process started, or longer ago. */
    @WithDefault("6h")
    Duration sweepTmpStaleAfter();
}
