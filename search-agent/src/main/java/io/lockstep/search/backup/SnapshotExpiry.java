package io.lockstep.search.backup;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.protocol.ArtifactLayout;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.RepositoryException;
import io.lockstep.search.client.ElasticsearchClients;
import io.lockstep.search.client.SearchCalls;
import io.lockstep.search.config.SearchAgentConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Deletes an expired run's snapshot through the snapshot API (a snapshot or repository already gone is success),
 * which frees Elasticsearch's files, then re-syncs the copy in {@code search/<store>/}: copied files that the
 * fs repository no longer holds are deleted. The copy is listed before the fs repository is walked, so a file a
 * concurrent snapshot is copying (present in the fs repository first) is never taken for a stale one.
 */
@ApplicationScoped
public class SnapshotExpiry {

    private static final Logger LOG = Logger.getLogger(SnapshotExpiry.class);

    private final ElasticsearchClients clients;
    private final BackupRepository repository;

    @Inject
    public SnapshotExpiry(ElasticsearchClients clients, BackupRepository repository) {
        this.clients = clients;
        this.repository = repository;
    }

    public StepResult expire(String id, SearchAgentConfig.Store store, String name) throws StepFailure {
        boolean existed = true;
        try {
            clients.of(id)
                    .snapshot()
                    .delete(r -> r.repository(store.repository()).snapshot(name));
        } catch (ElasticsearchException e) {
            if (e.status() != 404) {
                throw new StepFailure(
                        "cannot delete snapshot " + name + " of store " + id + ": " + SearchCalls.reason(e));
            }
            existed = false;
        } catch (IOException e) {
            throw new StepFailure("cannot delete snapshot " + name + " of store " + id + ": " + SearchCalls.reason(e));
        }
        String prefix = ArtifactLayout.searchCopy(id);
        long removed = 0;
        try {
            Map<String, Long> copied = repository.list(prefix);
            Set<String> present = new HashSet<>();
            Path location = store.repositoryLocation();
            if (!Files.isDirectory(location)) {
                // Without the fs repository there is nothing to compare with: never empty the copy on a guess.
                throw new StepFailure("snapshot " + name + " deleted, but the snapshot repository " + location
                        + " is not readable here, so " + prefix + " was not re-synced");
            }
            try (Stream<Path> walk = Files.walk(location)) {
                walk.filter(Files::isRegularFile)
                        .forEach(f -> present.add(prefix + SnapshotBackup.relativeKey(location, f)));
            }
            for (String key : copied.keySet()) {
                if (!present.contains(key)) {
                    repository.delete(key);
                    removed++;
                }
            }
        } catch (IOException | RepositoryException e) {
            throw new StepFailure(
                    "snapshot " + name + " deleted, but re-syncing " + prefix + " failed: " + e.getMessage());
        }
        LOG.infof(
                "snapshot %s of store %s %s; %d copied files no longer in the repository deleted",
                name, id, existed ? "deleted" : "was already gone", removed);
        return new StepResult(
                0,
                null,
                prefix,
                Map.of(
                        EvidenceKeys.SNAPSHOT,
                        name,
                        EvidenceKeys.DELETED,
                        Boolean.toString(existed),
                        EvidenceKeys.COPIES_REMOVED,
                        Long.toString(removed)));
    }
}
