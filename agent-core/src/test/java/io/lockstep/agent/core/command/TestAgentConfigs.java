package io.lockstep.agent.core.command;

import io.lockstep.agent.core.config.AgentConfig;
import java.time.Duration;

/** The agent configuration the command tests run with: a 5 s heartbeat and one step at a time. */
final class TestAgentConfigs {

    private TestAgentConfigs() {}

    /** An agent named {@code id}, heartbeating every 5 s, running at most one step at a time. */
    static AgentConfig agent(String id) {
        return new AgentConfig() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public Duration heartbeatInterval() {
                return Duration.ofSeconds(5);
            }

            @Override
            public int maxConcurrentSteps() {
                return 1;
            }

            @Override
            public Duration sweepEvery() {
                return Duration.ofMinutes(15);
            }

            @Override
            public Duration sweepDelay() {
                return Duration.ofSeconds(2);
            }

            @Override
            public Duration sweepStaleAfter() {
                return Duration.ofMinutes(1);
            }

            @Override
            public Duration sweepTmpStaleAfter() {
                return Duration.ofHours(6);
            }
        };
    }
}
