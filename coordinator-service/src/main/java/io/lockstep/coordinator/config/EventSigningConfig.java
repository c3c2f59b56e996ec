package io.lockstep.coordinator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Which agents must sign their events, and with which keys ({@code messaging/AgentKeys}). */
@ConfigMapping(prefix = "lockstep.coordinator")
public interface EventSigningConfig {

    /**
     * A directory holding one key file per agent, named by the agent's id (mode 0600, 32+ random bytes, raw or
     * base64): an event whose source names such an agent is applied only if that key signed it. Read at start.
     */
    Optional<String> agentKeysDir();

    /** Whether an event from an agent without a key in {@link #agentKeysDir()} is refused too. */
    @WithDefault("false")
    boolean requireSignedEvents();
}
