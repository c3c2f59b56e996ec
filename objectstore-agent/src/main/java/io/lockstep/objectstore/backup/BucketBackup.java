package io.lockstep.objectstore.backup;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.concurrent.Workers;
import io.lockstep.objectstore.client.SourceBuckets;
import io.lockstep.objectstore.config.ObjectStoreAgentConfig;
import io.lockstep.protocol.ArtifactLayout;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.Hashing;
import io.lockstep.repository.RepositoryException;
import io.lockstep.repository.UploadHooks;
import io.lockstep.repository.UploadResult;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A point-in-time, incremental bucket backup.
 * <ol>
 * <li>lists the bucket (paginated) and records when the listing started;</li>
 * <li>walks the listing and the previous run's manifest side by side, both in key order, so neither is held
 * in memory;</li>
 * <li>copies only new or changed objects (by size and ETag) into content-addressed blobs
 * {@code blobs/<store>/<sha256>} (a keyed hash of it when the repository encrypts), in parallel with bounded
 * concurrency (the SDK retries throttling and 5xx); a small object's blob goes into a pack instead, many to one
 * request ({@link Packs});</li>
 * <li>writes every key, in listing order, into {@code objects.jsonl.gz}, streamed to the repository.</li>
 * </ol>
 */
@ApplicationScoped
public class BucketBackup {

    private static final Logger LOG = Logger.getLogger(BucketBackup.class);

    /** Objects of the source listing fetched ahead of the copy (a few MB at most). */
    static final int LIST_AHEAD = 10_000;

    private final ObjectStoreAgentConfig config;
    private final SourceBuckets buckets;
    private final BackupRepository repository;
    /** How many blobs each store held when this agent last listed them: how to list them next ({@link BlobSet}). */
    private final Map<String, Long> blobsLastListed = new java.util.concurrent.ConcurrentHashMap<>();
    /** Where each store's source listing splits into ranges listed at once, from this agent's last full listing. */
    private final Map<String, List<String>> sourceMarks = new java.util.concurrent.ConcurrentHashMap<>();

    @Inject
    public BucketBackup(ObjectStoreAgentConfig config, SourceBuckets buckets, BackupRepository repository) {
        this.config = config;
        this.buckets = buckets;
        this.repository = repository;
    }

    public StepResult backup(String store, String manifestKey, String previousManifest, StepContext context)
            throws StepFailure {
        ObjectStoreAgentConfig.Store source = config.stores().get(store);
        S3Client s3 = buckets.of(store);
        Instant listingStartedAt = Instant.now();
        // The source's pages are fetched while the repository's blobs are listed for the base, not after; in ranges
        // at once where this agent's last listing of the store left split points.
        SourceListing ahead = SourceListing.open(
                s3,
                source.bucket(),
                source.prefix().orElse(""),
                sourceMarks.getOrDefault(store, List.of()),
                LIST_AHEAD,
                "listing-" + store);
        try {
            ahead.hasNext(); // the first page: an unreachable bucket fails here, before anything is written
        } catch (SdkException e) {
            ahead.close();
            throw new StepFailure(
                    "cannot list bucket " + source.bucket() + " of store " + store + ": " + e.getMessage());
        }
        BaseRun previous;
        try {
            previous = BaseRun.open(repository, previousManifest, store, blobsLastListed);
        } catch (StepFailure | RuntimeException e) {
            ahead.close();
            throw e;
        }
        ExecutorService copiers = Workers.start("backup-copy", config.copyConcurrency());
        ExecutorService manifestWriter = Workers.start("backup-manifest", 1); // never the common pool: it blocks
        ExecutorService packPuts = Workers.start("backup-packs", Packs.IN_FLIGHT);
        int packBelow = source.packBelow().orElse(config.packBelow());
        Packs packs = packBelow > 0 ? new Packs(repository, store, config.packSize(), packPuts) : null;
        Counters counters = new Counters();
        try (previous;
                ahead) {
            PipedInputStream manifestIn = new PipedInputStream(1 << 20);
            PipedOutputStream manifestOut = new PipedOutputStream(manifestIn);
            // A step that fails or is cancelled abandons its manifest: the upload is aborted, never completed short.
            AbandonableSource manifestSource = new AbandonableSource(manifestIn);
            CompletableFuture<UploadResult> upload = CompletableFuture.supplyAsync(
                    () -> repository.upload(manifestKey, manifestSource, UploadHooks.NONE), manifestWriter);
            context.onCancel(() -> {
                manifestSource.abandon("the step was cancelled");
                closeQuietly(manifestOut);
            });
            try (OutputStream gzip = new GZIPOutputStream(manifestOut, 64 * 1024)) {
                try {
                    copyAll(store, source, ahead, previous, packs, copiers, gzip, counters, context);
                } catch (Exception | Error e) {
                    manifestSource.abandon("the backup failed");
                    throw e;
                }
            } catch (SdkException e) {
                throw new StepFailure(
                        "listing bucket " + source.bucket() + " of store " + store + " failed: " + e.getMessage());
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                throw new StepFailure("copying from bucket " + source.bucket() + " failed: " + cause.getMessage());
            } finally {
                closeQuietly(manifestOut);
                if (manifestSource.abandoned()) {
                    awaitQuietly(upload); // aborted: nothing of it is left when the step reports its failure
                }
            }
            UploadResult manifest = upload.join();
            LOG.infof(
                    "store %s: %d objects listed in %d range(s), %d copied (%d bytes; %d into %d packs), %d unchanged, "
                            + "%d healed",
                    store,
                    counters.objects.get(),
                    ahead.ranges(),
                    counters.copied.get(),
                    counters.copiedBytes.get(),
                    counters.packed.get(),
                    packs == null ? 0 : packs.count(),
                    counters.reused.get(),
                    counters.healed.get());
            if (counters.healed.get() > 0) {
                LOG.warnf(
                        "store %s: %d unchanged objects had no blob in the repository and were copied again from "
                                + "the source, for example %s",
                        store, counters.healed.get(), counters.healSample);
            }
            Map<String, String> evidence = new java.util.HashMap<>(Map.of(
                    EvidenceKeys.LISTING_STARTED_AT, listingStartedAt.toString(),
                    EvidenceKeys.OBJECTS, Long.toString(counters.objects.get()),
                    EvidenceKeys.OBJECT_BYTES, Long.toString(counters.totalBytes.get()),
                    EvidenceKeys.COPIED, Long.toString(counters.copied.get()),
                    EvidenceKeys.COPIED_BYTES, Long.toString(counters.copiedBytes.get()),
                    EvidenceKeys.UNCHANGED, Long.toString(counters.reused.get()),
                    EvidenceKeys.VANISHED, Long.toString(counters.vanished.get()),
                    EvidenceKeys.HEALED, Long.toString(counters.healed.get()),
                    EvidenceKeys.PACKED, Long.toString(counters.packed.get()),
                    EvidenceKeys.PACKS, Integer.toString(packs == null ? 0 : packs.count())));
            if (previous.read()) { // a base was read (an unreadable one means a full copy)
                evidence.put(EvidenceKeys.BASE, previousManifest);
                evidence.put(EvidenceKeys.BLOBS_LISTED, Long.toString(previous.blobsListed));
            }
            if (!counters.healSample.isEmpty()) {
                evidence.put(EvidenceKeys.HEALED_SAMPLE, String.join(",", counters.healSample));
            }
            return new StepResult(manifest.bytes(), manifest.sha256(), manifestKey, evidence);
        } catch (IOException e) {
            throw new StepFailure("writing the manifest of store " + store + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailure("the backup of store " + store + " was interrupted");
        } catch (java.util.concurrent.CompletionException | RepositoryException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new StepFailure("writing the manifest of store " + store + " failed: " + cause.getMessage());
        } finally {
            Workers.stop(copiers);
            Workers.stop(manifestWriter);
            Workers.stop(packPuts);
        }
    }

    /** Walks the listing beside the base: reuses, or copies (at most 16 per copier in flight), in listing order. */
    private void copyAll(
            String store,
            ObjectStoreAgentConfig.Store source,
            SourceListing ahead,
            BaseRun previous,
            Packs packs,
            ExecutorService copiers,
            OutputStream gzip,
            Counters counters,
            StepContext context)
            throws StepFailure, IOException, ExecutionException, InterruptedException {
        int maxInFlight = 16 * Math.max(1, config.copyConcurrency());
        // at most maxInFlight - 1 left in flight after each add, as before
        FutureWindow<ManifestEntry> window = new FutureWindow<>(maxInFlight - 1);
        FutureWindow.Sink<ManifestEntry, IOException> toManifest = done -> write(gzip, done, counters, context);
        while (ahead.hasNext()) {
            if (context.cancelled()) {
                throw new StepFailure(context.cancelReason());
            }
            S3Object object = ahead.next();
            IncrementalBase.Decision decision = previous.decide(object);
            if (decision == IncrementalBase.Decision.REUSE) {
                counters.reused.incrementAndGet();
                window.add(CompletableFuture.completedFuture(previous.entry()), toManifest);
            } else {
                if (decision == IncrementalBase.Decision.HEAL) {
                    counters.healed.incrementAndGet();
                    if (counters.healSample.size() < 20) {
                        counters.healSample.add(object.key());
                    }
                }
                // a healing copy goes under the blob's own key, where the runs that named its lost pack find it
                Packs into = decision == IncrementalBase.Decision.HEAL ? null : packs;
                window.add(copiers.submit(() -> copy(store, source.bucket(), object, into, counters)), toManifest);
            }
        }
        window.drain(toManifest);
        finish(packs, store);
        sourceMarks.put(store, ahead.marks());
    }

    private static void awaitQuietly(CompletableFuture<?> future) {
        try {
            future.join();
        } catch (RuntimeException expected) {
            // the abandoned upload's own failure
        }
    }

    private ObjectStoreAgentConfig.Store source(String store) {
        return config.stores().get(store);
    }

    /** Puts the last pack and waits for every pack of the step, before its manifest may complete. */
    private static void finish(Packs packs, String store) throws StepFailure, InterruptedException {
        if (packs == null) {
            return;
        }
        try {
            packs.finish();
        } catch (IOException e) {
            throw new StepFailure("writing the packs of store " + store + " failed: " + e.getMessage());
        }
    }

    private static void write(OutputStream gzip, ManifestEntry entry, Counters counters, StepContext context)
            throws IOException {
        if (entry == null) {
            return; // deleted between the listing and the copy: not part of this point in time
        }
        try {
            gzip.write(Manifests.JSON.writeValueAsBytes(entry));
        } catch (JsonProcessingException e) {
            throw new IOException(e);
        }
        gzip.write('\n');
        counters.objects.incrementAndGet();
        counters.totalBytes.addAndGet(entry.size());
        context.progress(counters.copiedBytes.get(), counters.objects.get());
    }

    /**
     * Copies one object into its content-addressed blob. Returns null for an object deleted after the listing:
     * it is left out, and if the SQL still references it, verification reports it as a dangling reference.
     */
    private ManifestEntry copy(String store, String bucket, S3Object object, Packs packs, Counters counters)
            throws IOException, InterruptedException {
        S3Client s3 = buckets.of(store);
        ResponseInputStream<GetObjectResponse> opened;
        try {
            opened = s3.getObject(b -> b.bucket(bucket).key(object.key()));
        } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
            counters.vanished.incrementAndGet();
            LOG.debugf("object %s vanished after the listing", object.key());
            return null;
        }
        try (ResponseInputStream<GetObjectResponse> in = opened) {
            GetObjectResponse head = in.response();
            long size = head.contentLength();
            String etag = head.eTag();
            String sha;
            if (size <= config.inMemoryLimit()) {
                byte[] bytes = in.readAllBytes();
                MessageDigest digest = Hashing.sha256();
                digest.update(bytes);
                sha = Hashing.hex(digest);
                String blob = blobKey(store, sha);
                if (packs != null && size <= source(store).packBelow().orElse(config.packBelow())) {
                    Packs.Location at = packs.add(blob, repository.encode(blob, bytes));
                    counters.copied.incrementAndGet();
                    counters.copiedBytes.addAndGet(size);
                    counters.packed.incrementAndGet();
                    return new ManifestEntry(object.key(), size, etag, sha, blob, at.pack(), at.offset(), at.length());
                }
                // A blob's key is derived from its content's hash: writing it again stores the same content, so a
                // small blob is put without asking first (one request instead of two).
                repository.upload(blob, new ByteArrayInputStream(bytes), UploadHooks.NONE);
            } else {
                // The hash of the plaintext, not the stored (possibly encrypted) bytes' that upload reports.
                MessageDigest digest = Hashing.sha256();
                String temporary = ArtifactLayout.temporary(store, UUID.randomUUID());
                repository.upload(temporary, new DigestInputStream(in, digest), UploadHooks.NONE);
                sha = Hashing.hex(digest);
                String blob = blobKey(store, sha);
                if (!repository.exists(blob)) {
                    repository.copy(temporary, blob); // re-encrypted for the blob's key when encryption is on
                }
                repository.delete(temporary);
            }
            counters.copied.incrementAndGet();
            counters.copiedBytes.addAndGet(size);
            return new ManifestEntry(object.key(), size, etag, sha, blobKey(store, sha));
        }
    }

    /**
     * {@code blobs/<store>/<name>}: the name is the content's SHA-256, or a keyed hash of it when the repository
     * encrypts, so blob names do not reveal content hashes (the manifest, itself encrypted, keeps the SHA-256).
     */
    private String blobKey(String store, String sha) {
        return ArtifactLayout.blob(store, repository.contentName(sha));
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    private static final class Counters {
        final AtomicLong objects = new AtomicLong();
        final AtomicLong totalBytes = new AtomicLong();
        final AtomicLong copied = new AtomicLong();
        final AtomicLong copiedBytes = new AtomicLong();
        final AtomicLong reused = new AtomicLong();
        final AtomicLong vanished = new AtomicLong();
        /** Unchanged since the base but without a blob in the repository: copied again. */
        final AtomicLong healed = new AtomicLong();
        /** Copied into packs. */
        final AtomicLong packed = new AtomicLong();

        final java.util.List<String> healSample = new java.util.ArrayList<>();
    }
}
