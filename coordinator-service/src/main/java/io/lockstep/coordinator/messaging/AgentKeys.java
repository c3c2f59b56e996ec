package io.lockstep.coordinator.messaging;

import io.lockstep.coordinator.config.EventSigningConfig;
import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventSignatures;
import io.lockstep.protocol.EventSigningKey;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The agents' event signing keys ({@code lockstep.coordinator.agent-keys-dir}, one file per agent id), and whether an
 * event may speak for the agent its source names: an agent with a key speaks only through events that key signed;
 * one without speaks unsigned unless {@code lockstep.coordinator.require-signed-events} is set. Keys are read once at
 * start (each file as {@link EventSigningKey#load} accepts it: 0600, or a secret on a read-only mount); a bad key file
 * stops the coordinator with the reason, never the key.
 */
@Startup
@ApplicationScoped
public class AgentKeys {

    private static final Logger LOG = Logger.getLogger(AgentKeys.class);

    private final Map<String, EventSigningKey> keys;
    private final boolean requireSigned;

    @Inject
    public AgentKeys(EventSigningConfig config) {
        this(
                config.agentKeysDir()
                        .filter(d -> !d.isBlank())
                        .map(d -> load(Path.of(d)))
                        .orElse(Map.of()),
                config.requireSignedEvents());
        LOG.infof(
                "agent event signatures: keys of %d agents %s; unsigned events of other agents %s",
                keys.size(), keys.keySet(), requireSigned ? "refused" : "accepted");
    }

    AgentKeys(Map<String, EventSigningKey> keys, boolean requireSigned) {
        this.keys = Map.copyOf(keys);
        this.requireSigned = requireSigned;
    }

    /**
     * Why the event may not speak for its sender, or null if it may.
     *
     * @param sender the agent the event's source names, or null when the source is not an agent's
     */
    String refusal(CloudEvent event, String sender) {
        EventSigningKey key = sender == null ? null : keys.get(sender);
        if (key == null) {
            return requireSigned ? "no signing key is configured for its sender, and signed events are required" : null;
        }
        return switch (EventSignatures.verify(event, key)) {
            case VALID -> null;
            case UNSIGNED -> "it is not signed, but its sender has a signing key";
            case OTHER_KEY ->
                "it is signed with key " + event.lockstepkeyid() + ", not with its sender's key " + key.id();
            case BAD_SIGNATURE -> "its signature does not match its sender's key " + key.id();
        };
    }

    private static Map<String, EventSigningKey> load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(
                    "lockstep.coordinator.agent-keys-dir " + dir + " does not exist or is no directory");
        }
        Map<String, EventSigningKey> keys = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String agentId = file.getFileName().toString();
                if (!agentId.startsWith(".")) {
                    keys.put(agentId, EventSigningKey.load(file));
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list lockstep.coordinator.agent-keys-dir " + dir, e);
        }
        return keys;
    }
}
