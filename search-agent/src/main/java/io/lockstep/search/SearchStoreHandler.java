package io.lockstep.search;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.snapshot.SnapshotInfo;
import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.command.StoreHandler;
import io.lockstep.agent.core.process.Redactor;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.RepositoryException;
import io.lockstep.repository.UploadHooks;
import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StoreKind;
import io.lockstep.search.config.SearchAgentConfig;
import io.lockstep.search.restore.SnapshotRestore;
import io.lockstep.search.snapshot.Clients;
import io.lockstep.search.snapshot.Hooks;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Elasticsearch stores: quiesce (indexer hook, then index write blocks), snapshot into an {@code fs}
 * repository and copy its files into the backup repository, verify, resume; restore, inspect, check and drop
 * through {@link SnapshotRestore}.
 */
@ApplicationScoped
public class SearchStoreHandler implements StoreHandler {

    private static final Logger LOG = Logger.getLogger(SearchStoreHandler.class);

    @Inject
    SearchAgentConfig config;
    @Inject
    Clients clients;
    @Inject
    Hooks hooks;
    @Inject
    BackupRepository repository;
    @Inject
    SnapshotRestore restore;

    @Override
    public StoreKind kind() {
        return StoreKind.SEARCH;
    }

    @Override
    public List<Heartbeat.Store> stores() {
        return config.stores().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> new Heartbeat.Store(e.getKey(), StoreKind.SEARCH, List.of(), Map.of(
                        "url", Hooks.redact(e.getValue().url()),
                        "indices", String.join(",", e.getValue().indices()),
                        "repository", e.getValue().repository())))
                .toList();
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
        SearchAgentConfig.Store store = store(id);
        hooks.call("quiesce", store.quiesceUrl(), store.quiesceCommand());
        writeBlock(id, store, true);
        LOG.infof("store %s quiesced: indexer paused, write blocks on %s", id, store.indices());
        return Map.of("indices", String.join(",", store.indices()));
    }

    @Override
    public boolean quiescable(String id) {
        return config.stores().containsKey(id);
    }

    @Override
    public Map<String, String> resume(String id) throws StepFailure {
        SearchAgentConfig.Store store = store(id);
        writeBlock(id, store, false);
        hooks.call("resume", store.resumeUrl(), store.resumeCommand());
        LOG.infof("store %s resumed", id);
        return Map.of("indices", String.join(",", store.indices()));
    }

    private void writeBlock(String id, SearchAgentConfig.Store store, boolean on) throws StepFailure {
        try {
            clients.of(id).indices().putSettings(r -> r.index(store.indices())
                    .settings(s -> s.blocks(b -> b.write(on))));
        } catch (ElasticsearchException | IOException e) {
            throw new StepFailure((on ? "cannot block" : "cannot unblock") + " writes on " + store.indices() + " of store "
                    + id + ": " + SnapshotRestore.reason(e));
        }
    }

    @Override
    public StepResult execute(StepCommand command, StepContext context) throws StepFailure {
        SearchAgentConfig.Store store = store(command.store());
        String snapshot = command.parameter(StepCommand.Parameters.SNAPSHOT);
        if ((snapshot == null || snapshot.isBlank()) && command.action() != StepAction.DROP) {
            throw new StepFailure("the command names no snapshot");
        }
        SnapshotRestore.Rename rename = SnapshotRestore.Rename.of(
                command.parameter(StepCommand.Parameters.RENAME_PATTERN),
                command.parameter(StepCommand.Parameters.RENAME_REPLACEMENT));
        String counts = command.parameter(StepCommand.Parameters.DOCUMENT_COUNTS);
        return switch (command.action()) {
            case BACKUP -> snapshot(command.store(), store, snapshot, context);
            case VERIFY -> verify(command.store(), store, snapshot);
            case RESTORE -> restore.restore(command.store(), store, snapshot, rename, context);
            case INSPECT -> restore.inspect(command.store(), store, snapshot, rename, context);
            case CHECK -> restore.check(command.store(), snapshot, rename, counts);
            case DROP -> restore.drop(command.store(), store, rename, counts == null ? store.indices()
                    : List.copyOf(SnapshotRestore.decode(counts).keySet()));
            case EXPIRE -> expire(command.store(), store, snapshot);
            default -> throw new StepFailure("search stores do not " + command.action());
        };
    }

    private StepResult snapshot(String id, SearchAgentConfig.Store store, String name, StepContext context)
            throws StepFailure {
        ElasticsearchClient es = clients.of(id);
        SnapshotInfo info;
        Instant requested = Instant.now();
        try {
            es.snapshot().createRepository(r -> r.name(store.repository())
                    .repository(rep -> rep.fs(fs -> fs.settings(s -> s.location(store.repositoryLocation().toString())))));
            info = es.snapshot().create(r -> r.repository(store.repository()).snapshot(name).indices(store.indices())
                    .includeGlobalState(false).waitForCompletion(true)).snapshot();
        } catch (ElasticsearchException | IOException e) {
            throw new StepFailure("snapshot " + name + " of store " + id + " failed: " + SnapshotRestore.reason(e));
        }
        Instant finished = Instant.now();
        checkSnapshot(id, name, info);
        Map<String, String> evidence = new HashMap<>();
        evidence.put("snapshot", name);
        evidence.put("snapshotUuid", info.uuid());
        evidence.put("state", info.state());
        evidence.put("indices", String.join(",", info.indices()));
        evidence.put("shardsTotal", String.valueOf(info.shards().total()));
        evidence.put("shardsFailed", String.valueOf(info.shards().failed()));
        // The window is measured on this agent's clock, the one its quiesce and release times use.
        // Elasticsearch's own times are kept for operators; its clock is a cached estimate (up to 200 ms behind).
        evidence.put("snapshotStartedAt", requested.toString());
        evidence.put("snapshotEndedAt", finished.toString());
        if (info.startTimeInMillis() != null) {
            evidence.put("elasticsearchStartTime", Instant.ofEpochMilli(info.startTimeInMillis()).toString());
        }
        if (info.endTimeInMillis() != null) {
            evidence.put("elasticsearchEndTime", Instant.ofEpochMilli(info.endTimeInMillis()).toString());
        }
        try {
            // Writes are blocked for the whole window, so these are exactly the snapshot's documents.
            evidence.put("documentCounts", SnapshotRestore.encode(SnapshotRestore.counts(es, info.indices().stream()
                    .filter(i -> !i.startsWith(".")).sorted().toList())));
        } catch (ElasticsearchException | IOException e) {
            throw new StepFailure("cannot count the documents of snapshot " + name + " of store " + id + ": " + SnapshotRestore.reason(e));
        }
        long[] copied = copyRepository(id, store.repositoryLocation(), context);
        evidence.put("filesCopied", Long.toString(copied[0]));
        evidence.put("bytesCopied", Long.toString(copied[1]));
        return new StepResult(copied[2], null, "search/" + id + "/", evidence);
    }

    private static void checkSnapshot(String id, String name, SnapshotInfo info) throws StepFailure {
        if (!"SUCCESS".equals(info.state())) {
            throw new StepFailure("snapshot " + name + " of store " + id + " ended " + info.state()
                    + (info.failures() == null || info.failures().isEmpty() ? ""
                            : ": " + info.failures().get(0).reason()));
        }
        Number failed = info.shards().failed();
        if (failed != null && failed.intValue() > 0) {
            throw new StepFailure("snapshot " + name + " of store " + id + " has " + failed + " failed shards");
        }
    }

    /**
     * Copies the fs repository's files into {@code search/<store>/} (encrypted when the repository encrypts).
     * Snapshot files never change once written, so a file already there with the same size (with encryption: a file
     * already there) is skipped; the root index files are always copied.
     *
     * @return files copied, bytes copied, total bytes of the repository
     */
    private long[] copyRepository(String id, Path location, StepContext context) throws StepFailure {
        String prefix = "search/" + id + "/";
        Map<String, Long> present;
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(location)) {
            walk.filter(Files::isRegularFile).forEach(files::add);
            present = repository.list(prefix);
        } catch (IOException | RepositoryException e) {
            throw new StepFailure("cannot read the snapshot repository " + location + ": " + e.getMessage());
        }
        long copied = 0;
        long bytes = 0;
        long total = 0;
        try {
            for (Path file : files) {
                String relative = location.relativize(file).toString().replace('\\', '/');
                long size = Files.size(file);
                total += size;
                boolean rootIndex = !relative.contains("/") && relative.startsWith("index");
                Long stored = present.get(prefix + relative);
                // Uploads are all-or-nothing; an encrypted copy is larger than the file, so only its presence counts.
                if (!rootIndex && stored != null && (repository.encrypts() || stored == size)) {
                    continue;
                }
                try (InputStream in = Files.newInputStream(file)) {
                    repository.upload(prefix + relative, in, UploadHooks.NONE);
                }
                copied++;
                bytes += size;
                context.progress(bytes, copied);
            }
        } catch (IOException | RepositoryException e) {
            throw new StepFailure("copying the snapshot repository of store " + id + " failed: " + e.getMessage());
        }
        return new long[] {copied, bytes, total};
    }

    private StepResult verify(String id, SearchAgentConfig.Store store, String name) throws StepFailure {
        SnapshotInfo info;
        try {
            var snapshots = clients.of(id).snapshot().get(r -> r.repository(store.repository()).snapshot(name)).snapshots();
            if (snapshots.isEmpty()) {
                throw new StepFailure("snapshot " + name + " of store " + id + " does not exist");
            }
            info = snapshots.get(0);
        } catch (ElasticsearchException | IOException e) {
            throw new StepFailure("cannot read snapshot " + name + " of store " + id + ": " + SnapshotRestore.reason(e));
        }
        checkSnapshot(id, name, info);
        String prefix = "search/" + id + "/";
        String marker = prefix + "snap-" + info.uuid() + ".dat";
        if (!repository.exists(marker)) {
            throw new StepFailure("the backup repository lacks " + marker + " of snapshot " + name);
        }
        List<String> missing = store.indices().stream().filter(i -> !info.indices().contains(i)).toList();
        if (!missing.isEmpty()) {
            throw new StepFailure("snapshot " + name + " lacks indices " + missing);
        }
        return new StepResult(0, null, prefix, Map.of("state", info.state(), "snapshot", name,
                "shardsFailed", String.valueOf(info.shards().failed())));
    }

    /**
     * Deletes an expired run's snapshot through the snapshot API (a snapshot or repository already gone is success),
     * which frees Elasticsearch's files, then re-syncs the copy in {@code search/<store>/}: copied files that the
     * fs repository no longer holds are deleted. The copy is listed before the fs repository is walked, so a file a
     * concurrent snapshot is copying (present in the fs repository first) is never taken for a stale one.
     */
    private StepResult expire(String id, SearchAgentConfig.Store store, String name) throws StepFailure {
        boolean existed = true;
        try {
            clients.of(id).snapshot().delete(r -> r.repository(store.repository()).snapshot(name));
        } catch (ElasticsearchException e) {
            if (e.status() != 404) {
                throw new StepFailure("cannot delete snapshot " + name + " of store " + id + ": " + SnapshotRestore.reason(e));
            }
            existed = false;
        } catch (IOException e) {
            throw new StepFailure("cannot delete snapshot " + name + " of store " + id + ": " + SnapshotRestore.reason(e));
        }
        String prefix = "search/" + id + "/";
        long removed = 0;
        try {
            Map<String, Long> copied = repository.list(prefix);
            java.util.Set<String> present = new java.util.HashSet<>();
            Path location = store.repositoryLocation();
            if (!Files.isDirectory(location)) {
                // Without the fs repository there is nothing to compare with: never empty the copy on a guess.
                throw new StepFailure("snapshot " + name + " deleted, but the snapshot repository " + location
                        + " is not readable here, so " + prefix + " was not re-synced");
            }
            try (Stream<Path> walk = Files.walk(location)) {
                walk.filter(Files::isRegularFile)
                        .forEach(f -> present.add(prefix + location.relativize(f).toString().replace('\\', '/')));
            }
            for (String key : copied.keySet()) {
                if (!present.contains(key)) {
                    repository.delete(key);
                    removed++;
                }
            }
        } catch (IOException | RepositoryException e) {
            throw new StepFailure("snapshot " + name + " deleted, but re-syncing " + prefix + " failed: " + e.getMessage());
        }
        LOG.infof("snapshot %s of store %s %s; %d copied files no longer in the repository deleted", name, id,
                existed ? "deleted" : "was already gone", removed);
        return new StepResult(0, null, prefix, Map.of("snapshot", name, "deleted", Boolean.toString(existed),
                "copiesRemoved", Long.toString(removed)));
    }
}
