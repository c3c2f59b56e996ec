package io.lockstep.search.backup;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.snapshot.SnapshotInfo;
import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.concurrent.Workers;
import io.lockstep.protocol.ArtifactLayout;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.UploadHooks;
import io.lockstep.search.client.ElasticsearchClients;
import io.lockstep.search.client.SearchCalls;
import io.lockstep.search.config.SearchAgentConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Takes a run's snapshot of a quiesced search store into its {@code fs} repository, records the document counts
 * under the write blocks, and copies the repository's files into the backup repository ({@code search/<store>/}).
 */
@ApplicationScoped
public class SnapshotBackup {

    private static final Logger LOG = Logger.getLogger(SnapshotBackup.class);

    /** Files of the snapshot repository uploaded at once (a snapshot of a small index adds about eight). */
    static final int COPY_CONCURRENCY = 8;

    private final ElasticsearchClients clients;
    private final BackupRepository repository;

    @Inject
    public SnapshotBackup(ElasticsearchClients clients, BackupRepository repository) {
        this.clients = clients;
        this.repository = repository;
    }

    public StepResult snapshot(String id, SearchAgentConfig.Store store, String name, StepContext context)
            throws StepFailure {
        ElasticsearchClient es = clients.of(id);
        ExecutorService uploads = Workers.start("snapshot-copy-" + id, COPY_CONCURRENCY);
        try {
            // What the backup repository already holds is listed while Elasticsearch takes the snapshot: a file the
            // snapshot adds is not in this listing and is copied; one listed stays as it is (snapshot files never
            // change; the root index files, which do, are always copied).
            Future<Map<String, Long>> present = uploads.submit(() -> repository.list(ArtifactLayout.searchCopy(id)));
            return snapshotAndCopy(es, id, store, name, present, uploads, context);
        } finally {
            Workers.stop(uploads);
        }
    }

    private StepResult snapshotAndCopy(
            ElasticsearchClient es,
            String id,
            SearchAgentConfig.Store store,
            String name,
            Future<Map<String, Long>> present,
            ExecutorService uploads,
            StepContext context)
            throws StepFailure {
        SnapshotInfo info;
        Instant requested = Instant.now();
        try {
            SearchCalls.registerRepository(es, store);
            info = es.snapshot()
                    .create(r -> r.repository(store.repository())
                            .snapshot(name)
                            .indices(store.indices())
                            .includeGlobalState(false)
                            .waitForCompletion(true))
                    .snapshot();
        } catch (ElasticsearchException | IOException e) {
            throw new StepFailure("snapshot " + name + " of store " + id + " failed: " + SearchCalls.reason(e));
        }
        Instant finished = Instant.now();
        check(id, name, info);
        Map<String, String> evidence = new HashMap<>();
        evidence.put(EvidenceKeys.SNAPSHOT, name);
        evidence.put(EvidenceKeys.SNAPSHOT_UUID, info.uuid());
        evidence.put(EvidenceKeys.STATE, info.state());
        evidence.put(EvidenceKeys.INDICES, String.join(",", info.indices()));
        evidence.put(EvidenceKeys.SHARDS_TOTAL, String.valueOf(info.shards().total()));
        evidence.put(EvidenceKeys.SHARDS_FAILED, String.valueOf(info.shards().failed()));
        // The window is measured on this agent's clock, the one its quiesce and release times use.
        // Elasticsearch's own times are kept for operators; its clock is a cached estimate (up to 200 ms behind).
        evidence.put(EvidenceKeys.SNAPSHOT_STARTED_AT, requested.toString());
        evidence.put(EvidenceKeys.SNAPSHOT_ENDED_AT, finished.toString());
        if (info.startTimeInMillis() != null) {
            evidence.put(
                    EvidenceKeys.ELASTICSEARCH_START_TIME,
                    Instant.ofEpochMilli(info.startTimeInMillis()).toString());
        }
        if (info.endTimeInMillis() != null) {
            evidence.put(
                    EvidenceKeys.ELASTICSEARCH_END_TIME,
                    Instant.ofEpochMilli(info.endTimeInMillis()).toString());
        }
        try {
            // Writes are blocked for the whole window, so these are exactly the snapshot's documents.
            evidence.put(
                    EvidenceKeys.DOCUMENT_COUNTS,
                    DocumentCounts.encode(SearchCalls.counts(es, SearchCalls.userIndices(info.indices()))));
        } catch (ElasticsearchException | IOException e) {
            throw new StepFailure("cannot count the documents of snapshot " + name + " of store " + id + ": "
                    + SearchCalls.reason(e));
        }
        // The snapshot is complete and its documents are counted: the store may be released now (the coordinator
        // waits for this, not for the copy below), so writes stay blocked only as long as the snapshot itself took.
        context.snapshotTaken(finished, null, name);
        long[] copied = copyRepository(id, store.repositoryLocation(), present, uploads, context);
        evidence.put(EvidenceKeys.FILES_COPIED, Long.toString(copied[0]));
        evidence.put(EvidenceKeys.BYTES_COPIED, Long.toString(copied[1]));
        return new StepResult(copied[2], null, ArtifactLayout.searchCopy(id), evidence);
    }

    /** Fails unless the snapshot is a {@code SUCCESS} without failed shards. */
    static void check(String id, String name, SnapshotInfo info) throws StepFailure {
        if (!"SUCCESS".equals(info.state())) {
            throw new StepFailure("snapshot " + name + " of store " + id + " ended " + info.state()
                    + (info.failures() == null || info.failures().isEmpty()
                            ? ""
                            : ": " + info.failures().get(0).reason()));
        }
        Number failed = info.shards().failed();
        if (failed != null && failed.intValue() > 0) {
            throw new StepFailure("snapshot " + name + " of store " + id + " has " + failed + " failed shards");
        }
    }

    /**
     * Copies the fs repository's files into {@code search/<store>/} (encrypted when the repository encrypts),
     * {@link #COPY_CONCURRENCY} at a time: a snapshot adds many small files, and one upload after the other would
     * spend most of the step waiting on requests. Snapshot files never change once written, so a file already there
     * with the same size (with encryption: a file already there) is skipped; the root index files are always copied.
     *
     * @return files copied, bytes copied, total bytes of the repository
     */
    private long[] copyRepository(
            String id, Path location, Future<Map<String, Long>> listing, ExecutorService uploads, StepContext context)
            throws StepFailure {
        String prefix = ArtifactLayout.searchCopy(id);
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(location)) {
            walk.filter(Files::isRegularFile).forEach(files::add);
        } catch (IOException e) {
            throw new StepFailure("cannot read the snapshot repository " + location + ": " + e.getMessage());
        }
        Map<String, Long> present = await(listing, id, "listing the copy of the snapshot repository");
        AtomicLong copied = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        AtomicLong total = new AtomicLong();
        AtomicLong vanished = new AtomicLong();
        List<Future<?>> pending = new ArrayList<>();
        for (Path file : files) {
            pending.add(uploads.submit(() -> {
                String relative = relativeKey(location, file);
                long size;
                try {
                    size = Files.size(file);
                    if (alreadyCopied(relative, size, present.get(prefix + relative), repository.encrypts())) {
                        total.addAndGet(size);
                        return null;
                    }
                    try (InputStream in = Files.newInputStream(file)) {
                        repository.upload(prefix + relative, in, UploadHooks.NONE);
                    }
                } catch (NoSuchFileException e) {
                    // Another snapshot or a deletion replaced a generation file after the walk listed it. The files
                    // of this run's snapshot cannot vanish: it is complete, and they stay until it is deleted.
                    vanished.incrementAndGet();
                    return null;
                }
                total.addAndGet(size);
                synchronized (context) {
                    context.progress(bytes.addAndGet(size), copied.incrementAndGet());
                }
                return null;
            }));
        }
        for (Future<?> upload : pending) {
            await(upload, id, "copying the snapshot repository");
        }
        if (vanished.get() > 0) {
            LOG.infof(
                    "store %s: %d file(s) of the snapshot repository were replaced by a concurrent snapshot or deletion"
                            + " while being copied; they belong to no complete snapshot of this run",
                    id, vanished.get());
        }
        return new long[] {copied.get(), bytes.get(), total.get()};
    }

    /** The result of work handed to the copy's workers; its failure fails the step, saying what failed. */
    private static <T> T await(Future<T> work, String id, String what) throws StepFailure {
        try {
            return work.get();
        } catch (ExecutionException e) {
            throw new StepFailure(
                    what + " of store " + id + " failed: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailure(what + " of store " + id + " was interrupted");
        }
    }

    /** A file's key below {@code search/<store>/}: its path in the fs repository, with forward slashes. */
    static String relativeKey(Path location, Path file) {
        return location.relativize(file).toString().replace('\\', '/');
    }

    /** Whether a file is one of the fs repository's root index files, which change with every snapshot. */
    static boolean isRootIndex(String relative) {
        return !relative.contains("/") && relative.startsWith("index");
    }

    /**
     * Whether a snapshot file need not be copied again: it is not a root index file and the copy is there, with the
     * same size unless encrypted (an encrypted copy is larger; uploads are all-or-nothing, so presence counts).
     *
     * @param stored the stored copy's size, null if there is none
     */
    static boolean alreadyCopied(String relative, long size, Long stored, boolean encrypts) {
        return !isRootIndex(relative) && stored != null && (encrypts || stored == size);
    }
}
