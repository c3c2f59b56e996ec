package io.lockstep.search.restore;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.snapshot.SnapshotInfo;
import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.protocol.ArtifactLayout;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.RepositoryException;
import io.lockstep.search.backup.DocumentCounts;
import io.lockstep.search.client.ElasticsearchClients;
import io.lockstep.search.client.SearchCalls;
import io.lockstep.search.config.SearchAgentConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Restores a run's Elasticsearch snapshot. In place, live indices are replaced only after the snapshot was restored
 * beside them under temporary names and checked ({@link IndexSwap}; the store is quiesced by then); into new targets, a
 * rename pattern maps each index to a new name that must not exist. The write blocks the snapshot was taken under are
 * not restored. If the cluster's snapshot repository lost the snapshot, its files are first copied back from the backup
 * repository ({@code search/<store>/}).
 */
@ApplicationScoped
public class SnapshotRestore {

    private static final Logger LOG = Logger.getLogger(SnapshotRestore.class);

    private final ElasticsearchClients clients;
    private final BackupRepository repository;
    /** Tags of the in-place restores running in this process: {@link #repair} leaves their indices alone. */
    private final java.util.Set<String> running = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Repairs and the start of an in-place restore's copy do not interleave. */
    private final Object repairLock = new Object();

    @Inject
    public SnapshotRestore(ElasticsearchClients clients, BackupRepository repository) {
        this.clients = clients;
        this.repository = repository;
    }

    public StepResult restore(
            String id,
            SearchAgentConfig.Store store,
            String snapshot,
            Rename rename,
            String recordedCounts,
            StepContext context)
            throws StepFailure {
        ElasticsearchClient es = clients.of(id);
        long started = System.nanoTime();
        SnapshotInfo info = locate(id, store, snapshot, context);
        List<String> indices = SearchCalls.userIndices(info.indices());
        Map<String, String> targets = new LinkedHashMap<>();
        indices.forEach(i -> targets.put(i, rename.apply(i)));
        try {
            List<String> existing = SearchCalls.existing(es, new ArrayList<>(targets.values()));
            if (!existing.isEmpty() && !rename.inPlace()) {
                throw new StepFailure("the target indices " + existing + " already exist; a restore into new "
                        + "names never overwrites");
            }
            if (existing.isEmpty()) {
                restoreSnapshot(es, store, snapshot, indices, rename.inPlace() ? null : rename);
            } else {
                replace(es, id, store, snapshot, indices, recordedCounts, context);
            }
            Map<String, Long> counts = SearchCalls.counts(es, new ArrayList<>(targets.values()));
            Map<String, String> evidence = new HashMap<>();
            evidence.put(EvidenceKeys.SNAPSHOT, snapshot);
            evidence.put(EvidenceKeys.INDICES, String.join(",", targets.values()));
            evidence.put(EvidenceKeys.REPLACED_INDICES, String.join(",", existing));
            evidence.put(EvidenceKeys.DOCUMENT_COUNTS, DocumentCounts.encode(counts));
            evidence.put(EvidenceKeys.DURATION_MILLIS, Long.toString((System.nanoTime() - started) / 1_000_000));
            LOG.infof("restored snapshot %s of store %s into %s", snapshot, id, targets.values());
            return new StepResult(0, null, ArtifactLayout.searchCopy(id), evidence);
        } catch (ElasticsearchException | IOException e) {
            throw new StepFailure(
                    "restore of snapshot " + snapshot + " of store " + id + " failed: " + SearchCalls.reason(e));
        }
    }

    /**
     * In place, with live indices to replace: the snapshot is restored under temporary names and checked (every
     * shard, and the document counts the backup recorded) before any live index is touched, then swapped in
     * ({@link IndexSwap}). A snapshot that does not restore leaves the live indices as they were.
     */
    private void replace(
            ElasticsearchClient es,
            String id,
            SearchAgentConfig.Store store,
            String snapshot,
            List<String> indices,
            String recordedCounts,
            StepContext context)
            throws IOException, StepFailure {
        String tag = context.stepId().toString().substring(0, 8);
        Rename aside = Rename.of("(.+)", IndexSwap.PREFIX + tag + "-$1");
        List<String> temporaries = indices.stream().map(aside::apply).toList();
        boolean swapping = false;
        synchronized (repairLock) {
            // What a previous life of this agent left (this very step, redelivered, among others) is put right first.
            repair(id, store);
            if (!SearchCalls.existing(es, temporaries).isEmpty()) {
                throw new StepFailure("the temporary indices " + temporaries + " of this restore exist already; "
                        + "nothing was replaced");
            }
            running.add(tag);
        }
        try {
            restoreSnapshot(es, store, snapshot, indices, aside);
            Map<String, Long> counts = SearchCalls.counts(es, temporaries);
            if (recordedCounts != null && !recordedCounts.isBlank()) {
                Map<String, Long> recorded = DocumentCounts.decode(recordedCounts);
                List<String> problems = new ArrayList<>();
                for (String index : indices) {
                    Long want = recorded.get(index);
                    Long got = counts.get(aside.apply(index));
                    if (want != null && !want.equals(got)) {
                        problems.add(index + " came back with " + got + " documents, the backup recorded " + want);
                    }
                }
                if (!problems.isEmpty()) {
                    throw new StepFailure("snapshot " + snapshot + " did not restore as backed up ("
                            + String.join("; ", problems) + "); the live indices were left as they were");
                }
            }
            if (context.cancelled()) {
                throw new StepFailure(
                        "the restore was cancelled before any live index was replaced: " + context.cancelReason());
            }
            for (String temporary : temporaries) {
                IndexSwap.markVerified(es, temporary);
            }
            swapping = true;
            for (String index : indices) {
                IndexSwap.swap(es, aside.apply(index), index);
            }
        } catch (ElasticsearchException | IOException | StepFailure e) {
            if (!swapping) {
                deleteQuietly(es, temporaries);
                String why = e instanceof StepFailure ? e.getMessage() : SearchCalls.reason(e);
                throw new StepFailure(
                        why.contains("left as they were")
                                ? why
                                : "restoring snapshot " + snapshot
                                        + " under temporary names failed, the live indices were "
                                        + "left as they were: " + why);
            }
            // A live index may be gone already: finish the swap from the verified copies where it can be finished.
            try {
                IndexSwap.repair(es, indices::contains, Set.of())
                        .forEach(line -> LOG.warnf("after a failed swap of snapshot %s: %s", snapshot, line));
            } catch (ElasticsearchException | IOException | StepFailure repairFailed) {
                LOG.errorf(
                        "the swap of snapshot %s could not be finished (the agent retries at its next start): %s",
                        snapshot, repairFailed.getMessage());
            }
            throw e;
        } finally {
            running.remove(tag);
        }
    }

    /** Restores the snapshot's {@code indices}, renamed if {@code rename} is given; fails on any failed shard. */
    private static void restoreSnapshot(
            ElasticsearchClient es, SearchAgentConfig.Store store, String snapshot, List<String> indices, Rename rename)
            throws IOException, StepFailure {
        var response = es.snapshot().restore(r -> {
            r.repository(store.repository())
                    .snapshot(snapshot)
                    .indices(indices)
                    .includeGlobalState(false)
                    .waitForCompletion(true)
                    .ignoreIndexSettings("index.blocks.write");
            if (rename != null) {
                r.renamePattern(rename.pattern()).renameReplacement(rename.replacement());
            }
            if (rename != null && rename.replacement().startsWith(IndexSwap.PREFIX)) {
                r.includeAliases(false);
            }
            return r;
        });
        var shards = response.snapshot() == null ? null : response.snapshot().shards();
        if (shards == null) {
            throw new StepFailure("restoring snapshot " + snapshot + " reported no shards");
        }
        if (shards.failed().intValue() > 0) {
            throw new StepFailure("restoring snapshot " + snapshot + " failed on " + shards.failed() + " of "
                    + shards.total() + " shards");
        }
    }

    private static void deleteQuietly(ElasticsearchClient es, List<String> indices) {
        try {
            List<String> there = SearchCalls.existing(es, indices);
            if (!there.isEmpty()) {
                es.indices().delete(d -> d.index(there).ignoreUnavailable(true));
            }
        } catch (ElasticsearchException | IOException e) {
            LOG.warnf(
                    "could not delete the temporary indices %s (deleted at the agent's next start): %s",
                    indices, SearchCalls.reason(e));
        }
    }

    /** Repairs what an interrupted in-place restore of this store left (see {@link IndexSwap#repair}). */
    public List<String> repair(String id, SearchAgentConfig.Store store) throws StepFailure {
        try {
            synchronized (repairLock) {
                List<String> done = IndexSwap.repair(clients.of(id), store.indices()::contains, Set.copyOf(running));
                done.forEach(line -> LOG.warnf("repaired an interrupted restore of store %s: %s", id, line));
                return done;
            }
        } catch (ElasticsearchException | IOException e) {
            throw new StepFailure("cannot repair interrupted restores of store " + id + ": " + SearchCalls.reason(e));
        }
    }

    /** What a restore would replace: each target index, whether it exists, and its document count. */
    public StepResult inspect(
            String id, SearchAgentConfig.Store store, String snapshot, Rename rename, StepContext context)
            throws StepFailure {
        ElasticsearchClient es = clients.of(id);
        SnapshotInfo info = find(id, store, snapshot);
        List<String> indices = info == null ? store.indices() : SearchCalls.userIndices(info.indices());
        List<String> targets = indices.stream().map(rename::apply).toList();
        try {
            List<String> existing = SearchCalls.existing(es, targets);
            Map<String, String> evidence = new HashMap<>();
            evidence.put(EvidenceKeys.SNAPSHOT, snapshot);
            evidence.put(EvidenceKeys.SNAPSHOT_IN_CLUSTER, Boolean.toString(info != null));
            evidence.put(EvidenceKeys.INDICES, String.join(",", targets));
            evidence.put(
                    rename.inPlace() ? EvidenceKeys.INDICES_TO_REPLACE : EvidenceKeys.INDICES_IN_THE_WAY,
                    String.join(",", existing));
            evidence.put(EvidenceKeys.DOCUMENTS_TO_REPLACE, DocumentCounts.encode(SearchCalls.counts(es, existing)));
            return new StepResult(0, null, null, evidence);
        } catch (ElasticsearchException | IOException e) {
            throw new StepFailure("cannot inspect the indices of store " + id + ": " + SearchCalls.reason(e));
        }
    }

    /** Compares the restored indices' document counts with those recorded when the snapshot was taken. */
    public StepResult check(String id, String snapshot, Rename rename, String recordedCounts) throws StepFailure {
        if (recordedCounts == null || recordedCounts.isBlank()) {
            throw new StepFailure("the backup recorded no document counts to compare snapshot " + snapshot + " with");
        }
        ElasticsearchClient es = clients.of(id);
        Map<String, Long> recorded = DocumentCounts.decode(recordedCounts);
        List<String> problems = new ArrayList<>();
        Map<String, Long> found = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Long> e : recorded.entrySet()) {
                String target = rename.apply(e.getKey());
                if (SearchCalls.existing(es, List.of(target)).isEmpty()) {
                    problems.add("index " + target + " is missing");
                    continue;
                }
                long count = SearchCalls.counts(es, List.of(target)).get(target);
                found.put(target, count);
                if (count != e.getValue()) {
                    problems.add(
                            "index " + target + " holds " + count + " documents, the backup recorded " + e.getValue());
                }
            }
        } catch (ElasticsearchException | IOException e) {
            throw new StepFailure("cannot count the restored indices of store " + id + ": " + SearchCalls.reason(e));
        }
        if (!problems.isEmpty()) {
            throw new StepFailure("the restored indices do not match the backup: " + String.join("; ", problems));
        }
        return new StepResult(
                0,
                null,
                null,
                Map.of(
                        EvidenceKeys.DOCUMENT_COUNTS,
                        DocumentCounts.encode(found),
                        EvidenceKeys.DOCUMENTS,
                        Long.toString(found.values().stream()
                                .mapToLong(Long::longValue)
                                .sum())));
    }

    /** Deletes a drill's renamed indices; refuses any index a drill would not have made. */
    public StepResult drop(String id, SearchAgentConfig.Store store, Rename rename, List<String> snapshotIndices)
            throws StepFailure {
        List<String> targets = snapshotIndices.stream().map(rename::apply).toList();
        for (String target : targets) {
            if (!ArtifactLayout.isDrillIndex(target)) {
                throw new StepFailure("refusing to delete index " + target + ": only restore drills' renamed indices ("
                        + ArtifactLayout.DRILL_INDEX_PREFIX + "...) are dropped");
            }
        }
        ElasticsearchClient es = clients.of(id);
        try {
            List<String> existing = SearchCalls.existing(es, targets);
            if (!existing.isEmpty()) {
                es.indices().delete(d -> d.index(existing).ignoreUnavailable(true));
            }
            return new StepResult(0, null, null, Map.of(EvidenceKeys.DELETED_INDICES, String.join(",", existing)));
        } catch (ElasticsearchException | IOException e) {
            throw new StepFailure("cannot delete the drill's indices " + targets + ": " + SearchCalls.reason(e));
        }
    }

    /** The snapshot as the cluster knows it, after copying its files back from the backup repository if needed. */
    private SnapshotInfo locate(String id, SearchAgentConfig.Store store, String snapshot, StepContext context)
            throws StepFailure {
        SnapshotInfo info = find(id, store, snapshot);
        if (info == null) {
            long copied = copyBack(id, store.repositoryLocation());
            LOG.infof("snapshot %s was not in the cluster's repository: copied %d files back", snapshot, copied);
            info = find(id, store, snapshot);
        }
        if (info == null) {
            throw new StepFailure(
                    "snapshot " + snapshot + " of store " + id + " is neither in the cluster's repository "
                            + store.repository() + " nor in the backup repository's copy");
        }
        if (!"SUCCESS".equals(info.state())) {
            throw new StepFailure(
                    "snapshot " + snapshot + " of store " + id + " is " + info.state() + ", not restorable");
        }
        return info;
    }

    private SnapshotInfo find(String id, SearchAgentConfig.Store store, String snapshot) throws StepFailure {
        ElasticsearchClient es = clients.of(id);
        try {
            SearchCalls.registerRepository(es, store);
            var snapshots = es.snapshot()
                    .get(r ->
                            r.repository(store.repository()).snapshot(snapshot).ignoreUnavailable(true))
                    .snapshots();
            return snapshots.isEmpty() ? null : snapshots.get(0);
        } catch (ElasticsearchException e) {
            if (e.status() == 404) {
                return null;
            }
            throw new StepFailure(
                    "cannot read snapshot " + snapshot + " of store " + id + ": " + SearchCalls.reason(e));
        } catch (IOException e) {
            throw new StepFailure(
                    "cannot read snapshot " + snapshot + " of store " + id + ": " + SearchCalls.reason(e));
        }
    }

    /**
     * Copies back the {@code search/<store>/} files the cluster's repository lacks, and its root index files (the
     * stored sizes are those of encrypted copies, so sizes are not compared).
     */
    private long copyBack(String id, Path location) throws StepFailure {
        String prefix = ArtifactLayout.searchCopy(id);
        long copied = 0;
        try {
            for (Map.Entry<String, Long> file : repository.list(prefix).entrySet()) {
                Path local = location.resolve(file.getKey().substring(prefix.length()))
                        .normalize();
                if (!local.startsWith(location)) {
                    throw new StepFailure("refusing to write " + file.getKey() + " outside " + location);
                }
                // Snapshot files never change once written; the root index files say which snapshots exist.
                boolean root = !file.getKey().substring(prefix.length()).contains("/");
                if (!root && Files.exists(local)) {
                    continue;
                }
                Files.createDirectories(local.getParent());
                Path partial = local.resolveSibling(local.getFileName() + ".lockstep-partial");
                try (InputStream in = repository.open(file.getKey())) {
                    Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.move(partial, local, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                copied++;
            }
        } catch (IOException | RepositoryException e) {
            throw new StepFailure(
                    "cannot copy the snapshot files of store " + id + " back into " + location + ": " + e.getMessage());
        }
        return copied;
    }
}
