package io.lockstep.postgres;

import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.command.StoreHandler;
import io.lockstep.postgres.backup.BaseBackup;
import io.lockstep.postgres.backup.PostgresBackup;
import io.lockstep.postgres.backup.PostgresVerifier;
import io.lockstep.postgres.client.Connection;
import io.lockstep.postgres.config.PostgresAgentConfig;
import io.lockstep.postgres.restore.PointInTimeRecovery;
import io.lockstep.postgres.restore.PostgresRestore;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.ReferenceQuery;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StoreKind;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The PostgreSQL agent's store logic: routes each step on a database of its configured servers to {@code backup/}
 * ({@link PostgresBackup}, {@link PostgresVerifier}) or {@code restore/} ({@link PostgresRestore}).
 */
@ApplicationScoped
public class PostgresStoreHandler implements StoreHandler {

    private final PostgresAgentConfig config;
    private final PostgresBackup backup;
    private final PostgresVerifier verifier;
    private final PostgresRestore restore;
    private final BaseBackup baseBackup;
    private final PointInTimeRecovery recovery;

    @Inject
    public PostgresStoreHandler(
            PostgresAgentConfig config,
            PostgresBackup backup,
            PostgresVerifier verifier,
            PostgresRestore restore,
            BaseBackup baseBackup,
            PointInTimeRecovery recovery) {
        this.config = config;
        this.backup = backup;
        this.verifier = verifier;
        this.restore = restore;
        this.baseBackup = baseBackup;
        this.recovery = recovery;
    }

    @Override
    public StoreKind kind() {
        return StoreKind.POSTGRES;
    }

    @Override
    public List<Heartbeat.Store> stores() {
        return StoreHandler.announce(
                config.stores(),
                StoreKind.POSTGRES,
                PostgresAgentConfig.Store::databases,
                s -> Map.of("host", s.host(), "port", Integer.toString(s.port()), "user", s.user()));
    }

    @Override
    public StepResult execute(StepCommand command, StepContext context) throws StepFailure {
        PostgresAgentConfig.Store store = config.stores().get(command.store());
        if (store == null) {
            throw new StepFailure("this agent does not serve store " + command.store());
        }
        if (command.database() == null || command.database().isBlank()) {
            if (command.action() != StepAction.VERIFY) {
                throw new StepFailure("the command names no database");
            }
        }
        boolean needsArtifact = command.action() == StepAction.BACKUP
                || command.action() == StepAction.VERIFY
                || command.action() == StepAction.RESTORE;
        if (needsArtifact && (command.artifact() == null || command.artifact().isBlank())) {
            throw new StepFailure("the command names no artifact");
        }
        String referenceQuery = command.parameter(StepCommand.Parameters.REFERENCE_QUERY);
        if (referenceQuery != null) {
            // The coordinator checked it when the plan was stored; a plan stored before that check, or a forged
            // command, is refused here before any connection is opened.
            Optional<String> unsafe = ReferenceQuery.problem(referenceQuery);
            if (unsafe.isPresent()) {
                throw new StepFailure("refused the reference query of " + command.store() + "/" + command.database()
                        + ": " + unsafe.get());
            }
        }
        String target = command.parameters().getOrDefault(StepCommand.Parameters.TARGET_DATABASE, command.database());
        String pointInTime = command.parameter(StepCommand.Parameters.POINT_IN_TIME);
        if (command.action() == StepAction.RESTORE && pointInTime != null) {
            return recovery.recover(
                    connect(command, store, command.database()),
                    command.store(),
                    command.parameter(StepCommand.Parameters.BASE_BACKUP_ARTIFACT),
                    command.parameter(StepCommand.Parameters.BASE_BACKUP_SHA256),
                    command.parameter(EvidenceKeys.BASE_BACKUP_START_LSN),
                    Instant.parse(pointInTime),
                    command.stepId(),
                    context);
        }
        return switch (command.action()) {
            case BACKUP -> backupStep(command, store, context);
            case VERIFY -> verifier.verify(command.artifact(), command.expectedSha256(), context);
            case RESTORE ->
                restore.restore(
                        connect(command, store, target),
                        target,
                        target.equals(command.database()),
                        command.artifact(),
                        command.expectedSha256(),
                        command.parameter(StepCommand.Parameters.REFERENCE_QUERY),
                        command.parameter(StepCommand.Parameters.REFERENCE_ARTIFACT),
                        command.stepId(),
                        context);
            case INSPECT ->
                restore.inspect(
                        connect(command, store, target),
                        target,
                        Long.parseLong(command.parameters().getOrDefault(StepCommand.Parameters.ARTIFACT_BYTES, "0")));
            case CHECK ->
                restore.check(
                        connect(command, store, target),
                        target,
                        command.parameter(StepCommand.Parameters.CENSUS_ARTIFACT),
                        command.parameter(StepCommand.Parameters.CENSUS_SHA256));
            case DROP -> restore.drop(connect(command, store, target), target);
            default -> throw new StepFailure("PostgreSQL stores do not " + command.action());
        };
    }

    /** A dump; with point-in-time recovery, the step of the store's first database also takes the base backup. */
    private StepResult backupStep(StepCommand command, PostgresAgentConfig.Store store, StepContext context)
            throws StepFailure {
        Connection db = connect(command, store, command.database());
        StepResult dump = backup.backup(
                db,
                command.artifact(),
                command.parameter(StepCommand.Parameters.REFERENCE_QUERY),
                command.parameter(StepCommand.Parameters.REFERENCE_ARTIFACT),
                command.parameter(StepCommand.Parameters.CENSUS_ARTIFACT),
                context);
        if (!store.pointInTimeRecovery()
                || !command.database().equals(store.databases().get(0))) {
            return dump;
        }
        Map<String, String> evidence = new HashMap<>(dump.evidence());
        evidence.putAll(baseBackup.take(db, command.store(), BaseBackup.artifactBeside(command.artifact()), context));
        return new StepResult(dump.bytes(), dump.sha256(), dump.artifact(), evidence);
    }

    private Connection connect(StepCommand command, PostgresAgentConfig.Store store, String database)
            throws StepFailure {
        return new Connection(
                command.store(), store, database, (int) config.connectTimeout().toSeconds());
    }
}
