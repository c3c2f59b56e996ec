package io.lockstep.agent.core.command;

import io.lockstep.agent.core.config.AgentSigningConfig;
import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventSignatures;
import io.lockstep.protocol.EventSigningKey;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Signs the agent's events with its key, {@code lockstep.agent.signing-key-file} (32+ random bytes, raw or base64),
 * so the coordinator can tell they come from this agent ({@link EventSignatures}). The file is accepted when nobody
 * but its owner may write it and it is either readable by its owner only (0600) or a secret on a read-only mount
 * (a Compose secret, a Kubernetes secret volume; {@link EventSigningKey#load}). Without the setting events go
 * unsigned. The key is read once at start: a bad file stops the agent with the reason, never the key.
 */
@Startup
@ApplicationScoped
public class EventSigner {

    private static final Logger LOG = Logger.getLogger(EventSigner.class);

    private final EventSigningKey key;

    @Inject
    public EventSigner(AgentSigningConfig config) {
        this(config.signingKeyFile());
    }

    EventSigner(Optional<String> keyFile) {
        this(keyFile.filter(f -> !f.isBlank())
                .map(f -> EventSigningKey.load(Path.of(f)))
                .orElse(null));
        if (key == null) {
            LOG.info("agent events are not signed (no lockstep.agent.signing-key-file)");
        } else {
            LOG.infof("agent events are signed with key %s", key.id());
        }
    }

    /** @param key null: events go unsigned */
    EventSigner(EventSigningKey key) {
        this.key = key;
    }

    /** A signer that leaves events unsigned. */
    static EventSigner none() {
        return new EventSigner((EventSigningKey) null);
    }

    CloudEvent sign(CloudEvent event) {
        return key == null ? event : EventSignatures.sign(event, key);
    }
}
