package io.lockstep.search;

import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.command.StoreHandler;
import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StoreKind;
import io.lockstep.protocol.UrlRedactor;
import io.lockstep.search.backup.DocumentCounts;
import io.lockstep.search.backup.IndexQuiesce;
import io.lockstep.search.backup.SnapshotBackup;
import io.lockstep.search.backup.SnapshotExpiry;
import io.lockstep.search.backup.SnapshotVerifier;
import io.lockstep.search.config.SearchAgentConfig;
import io.lockstep.search.restore.Rename;
import io.lockstep.search.restore.SnapshotRestore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;

/**
 * Elasticsearch stores: routes each step to its class. Quiesce and resume go to {@link IndexQuiesce}; backups,
 * verification and expiry to {@code backup/}; restores, inspections, checks and drops to {@link SnapshotRestore}.
 */
@ApplicationScoped
public class SearchStoreHandler implements StoreHandler {

    private final SearchAgentConfig config;
    private final IndexQuiesce quiesce;
    private final SnapshotBackup backup;
    private final SnapshotVerifier verifier;
    private final SnapshotExpiry expiry;
    private final SnapshotRestore restore;

    @Inject
    public SearchStoreHandler(
            SearchAgentConfig config,
            IndexQuiesce quiesce,
            SnapshotBackup backup,
            SnapshotVerifier verifier,
            SnapshotExpiry expiry,
            SnapshotRestore restore) {
        this.config = config;
        this.quiesce = quiesce;
        this.backup = backup;
        this.verifier = verifier;
        this.expiry = expiry;
        this.restore = restore;
    }

    @Override
    public StoreKind kind() {
        return StoreKind.SEARCH;
    }

    @Override
    public List<Heartbeat.Store> stores() {
        return StoreHandler.announce(
                config.stores(),
                StoreKind.SEARCH,
                s -> List.of(),
                s -> Map.of(
                        "url", UrlRedactor.withoutSecrets(s.url()),
                        "indices", String.join(",", s.indices()),
                        "repository", s.repository()));
    }

    private SearchAgentConfig.Store store(String id) throws StepFailure {
        SearchAgentConfig.Store store = config.stores().get(id);
        if (store == null) {
            throw new StepFailure("this agent does not serve store " + id);
        }
        return store;
    }

    @Override
    public Map<String, String> quiesce(String id) throws StepFailure {
        return quiesce.quiesce(id, store(id));
    }

    @Override
    public boolean quiescable(String id) {
        return config.stores().containsKey(id);
    }

    @Override
    public Map<String, String> resume(String id) throws StepFailure {
        return quiesce.resume(id, store(id));
    }

    @Override
    public StepResult execute(StepCommand command, StepContext context) throws StepFailure {
        SearchAgentConfig.Store store = store(command.store());
        String snapshot = command.parameter(StepCommand.Parameters.SNAPSHOT);
        if ((snapshot == null || snapshot.isBlank()) && command.action() != StepAction.DROP) {
            throw new StepFailure("the command names no snapshot");
        }
        Rename rename = Rename.of(
                command.parameter(StepCommand.Parameters.RENAME_PATTERN),
                command.parameter(StepCommand.Parameters.RENAME_REPLACEMENT));
        String counts = command.parameter(StepCommand.Parameters.DOCUMENT_COUNTS);
        return switch (command.action()) {
            case BACKUP -> backup.snapshot(command.store(), store, snapshot, context);
            case VERIFY -> verifier.verify(command.store(), store, snapshot);
            case RESTORE -> restore.restore(command.store(), store, snapshot, rename, counts, context);
            case INSPECT -> restore.inspect(command.store(), store, snapshot, rename, context);
            case CHECK -> restore.check(command.store(), snapshot, rename, counts);
            case DROP ->
                restore.drop(
                        command.store(),
                        store,
                        rename,
                        counts == null
                                ? store.indices()
                                : List.copyOf(DocumentCounts.decode(counts).keySet()));
            case EXPIRE -> expiry.expire(command.store(), store, snapshot);
            default -> throw new StepFailure("search stores do not " + command.action());
        };
    }
}
