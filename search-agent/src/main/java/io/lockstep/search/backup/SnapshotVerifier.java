package io.lockstep.search.backup;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.snapshot.SnapshotInfo;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.protocol.ArtifactLayout;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.repository.BackupRepository;
import io.lockstep.search.client.ElasticsearchClients;
import io.lockstep.search.client.SearchCalls;
import io.lockstep.search.config.SearchAgentConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Verifies a run's snapshot: the cluster holds it as a {@code SUCCESS} without failed shards, with every index of
 * the store, and the backup repository's copy holds its {@code snap-<uuid>.dat}.
 */
@ApplicationScoped
public class SnapshotVerifier {

    private final ElasticsearchClients clients;
    private final BackupRepository repository;

    @Inject
    public SnapshotVerifier(ElasticsearchClients clients, BackupRepository repository) {
        this.clients = clients;
        this.repository = repository;
    }

    public StepResult verify(String id, SearchAgentConfig.Store store, String name) throws StepFailure {
        SnapshotInfo info;
        try {
            var snapshots = clients.of(id)
                    .snapshot()
                    .get(r -> r.repository(store.repository()).snapshot(name))
                    .snapshots();
            if (snapshots.isEmpty()) {
                throw new StepFailure("snapshot " + name + " of store " + id + " does not exist");
            }
            info = snapshots.get(0);
        } catch (ElasticsearchException | IOException e) {
            throw new StepFailure("cannot read snapshot " + name + " of store " + id + ": " + SearchCalls.reason(e));
        }
        SnapshotBackup.check(id, name, info);
        String prefix = ArtifactLayout.searchCopy(id);
        String marker = prefix + "snap-" + info.uuid() + ".dat";
        if (!repository.exists(marker)) {
            throw new StepFailure("the backup repository lacks " + marker + " of snapshot " + name);
        }
        List<String> missing = store.indices().stream()
                .filter(i -> !info.indices().contains(i))
                .toList();
        if (!missing.isEmpty()) {
            throw new StepFailure("snapshot " + name + " lacks indices " + missing);
        }
        return new StepResult(
                0,
                null,
                prefix,
                Map.of(
                        EvidenceKeys.STATE,
                        info.state(),
                        EvidenceKeys.SNAPSHOT,
                        name,
                        EvidenceKeys.SHARDS_FAILED,
                        String.valueOf(info.shards().failed())));
    }
}
