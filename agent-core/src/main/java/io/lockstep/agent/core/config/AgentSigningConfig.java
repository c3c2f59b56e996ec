package io.lockstep.agent.core.config;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** The agent's event signing key ({@code command/EventSigner}). */
@ConfigMapping(prefix = "lockstep.agent")
public interface AgentSigningConfig {

    /**
     * A file only the agent's user may read (0600) holding 32 or more random bytes, raw or base64; every event the
     * agent sends is signed with it. Unset: events go unsigned.
     */
    Optional<String> signingKeyFile();
}
