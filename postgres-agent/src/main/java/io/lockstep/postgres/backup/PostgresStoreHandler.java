package io.lockstep.postgres.backup;

import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.command.StoreHandler;
import io.lockstep.postgres.config.PostgresAgentConfig;
import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StoreKind;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;

/** The PostgreSQL agent's store logic: backs up and verifies databases of its configured servers. */
@ApplicationScoped
public class PostgresStoreHandler implements StoreHandler {

    @Inject
    PostgresAgentConfig config;
    @Inject
    PostgresBackup backup;
    @Inject
    PostgresVerifier verifier;

    @Override
    public StoreKind kind() {
        return StoreKind.POSTGRES;
    }

    @Override
    public List<Heartbeat.Store> stores() {
        return config.stores().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> new Heartbeat.Store(e.getKey(), StoreKind.POSTGRES, e.getValue().databases(), Map.of(
                        "host", e.getValue().host(),
                        "port", Integer.toString(e.getValue().port()),
                        "user", e.getValue().user())))
                .toList();
    }

    @Override
    public StepResult execute(StepCommand command, StepContext context) throws StepFailure {
        PostgresAgentConfig.Store store = config.stores().get(command.store());
        if (store == null) {
            throw new StepFailure("this agent does not serve store " + command.store());
        }
        if (command.artifact() == null || command.artifact().isBlank()) {
            throw new StepFailure("the command names no artifact");
        }
        return switch (command.action()) {
            case BACKUP -> {
                if (command.database() == null || command.database().isBlank()) {
                    throw new StepFailure("the command names no database");
                }
                var db = new Connection(command.store(), store, command.database(),
                        (int) config.connectTimeout().toSeconds());
                yield backup.backup(db, command.artifact(), command.parameter(StepCommand.Parameters.REFERENCE_QUERY),
                        command.parameter(StepCommand.Parameters.REFERENCE_ARTIFACT), context);
            }
            case VERIFY -> verifier.verify(command.artifact(), command.expectedSha256(), context);
            default -> throw new StepFailure("PostgreSQL stores do not " + command.action());
        };
    }
}
