package io.lockstep.objectstore.backup;

import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.command.StoreHandler;
import io.lockstep.objectstore.config.ObjectStoreAgentConfig;
import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StoreKind;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The object-store agent's store logic: incremental bucket backups and manifest verification. */
@ApplicationScoped
public class ObjectStoreHandler implements StoreHandler {

    @Inject
    ObjectStoreAgentConfig config;
    @Inject
    BucketBackup backup;
    @Inject
    BucketVerifier verifier;

    @Override
    public StoreKind kind() {
        return StoreKind.OBJECTSTORE;
    }

    @Override
    public List<Heartbeat.Store> stores() {
        return config.stores().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> {
                    Map<String, String> attributes = new HashMap<>();
                    attributes.put("bucket", e.getValue().bucket());
                    e.getValue().prefix().ifPresent(p -> attributes.put("prefix", p));
                    e.getValue().endpoint().ifPresent(u -> attributes.put("endpoint", u.getScheme() + "://"
                            + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "")));
                    return new Heartbeat.Store(e.getKey(), StoreKind.OBJECTSTORE, List.of(), attributes);
                })
                .toList();
    }

    @Override
    public StepResult execute(StepCommand command, StepContext context) throws StepFailure {
        if (!config.stores().containsKey(command.store())) {
            throw new StepFailure("this agent does not serve store " + command.store());
        }
        if (command.artifact() == null || command.artifact().isBlank()) {
            throw new StepFailure("the command names no manifest artifact");
        }
        return switch (command.action()) {
            case BACKUP -> backup.backup(command.store(), command.artifact(),
                    command.parameter(StepCommand.Parameters.PREVIOUS_MANIFEST), context);
            case VERIFY -> {
                String refs = command.parameter(StepCommand.Parameters.REFERENCE_ARTIFACTS);
                List<String> artifacts = refs == null || refs.isBlank() ? List.of()
                        : Arrays.stream(refs.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
                yield verifier.verify(command.artifact(), command.expectedSha256(), artifacts, context);
            }
            default -> throw new StepFailure("object stores do not " + command.action());
        };
    }
}
