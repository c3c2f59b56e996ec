package io.lockstep.agent.core.config;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** The agent's event signing key ({@code command/EventSigner}). */
@ConfigMapping(prefix = "lockstep.agent")
public interface AgentSigningConfig {

    /**
     * A file holding 32 or more random bytes, raw or base64; every event the agent sends is signed with it. Only its
     * owner may write it, and only its owner may read it (0600) unless it is a secret on a read-only mount (a
     * Compose secret, a Kubernetes secret volume, often 0444 or 0440). Unset: events go unsigned.
     */
    Optional<String> signingKeyFile();
}
