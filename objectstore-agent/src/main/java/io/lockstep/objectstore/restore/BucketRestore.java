package io.lockstep.objectstore.restore;

import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.concurrent.Workers;
import io.lockstep.objectstore.backup.FutureWindow;
import io.lockstep.objectstore.backup.ManifestEntry;
import io.lockstep.objectstore.backup.Quarantine;
import io.lockstep.objectstore.client.SourceBuckets;
import io.lockstep.objectstore.config.ObjectStoreAgentConfig;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.DamagedArtifactException;
import io.lockstep.repository.Hashing;
import io.lockstep.repository.IntegrityException;
import io.lockstep.repository.RepositoryException;
import io.lockstep.repository.VerifyingInputStream;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Brings a bucket back to a run's manifest. The manifest (SHA-256 checked while it streams) and the target listing
 * are walked side by side in key order: a key missing from the target, or with another size or ETag, is copied
 * back from its blob, whose content is hashed on the way and written only if it matches the manifest. Keys the
 * manifest does not hold stay, unless {@code prune}. The same walk, without writes, answers a dry run
 * ({@link #inspect}); {@link BucketCheck} re-reads a restored target and compares it with the manifest.
 */
@ApplicationScoped
public class BucketRestore {

    private static final Logger LOG = Logger.getLogger(BucketRestore.class);
    static final int SAMPLE = 20;
    private static final FutureWindow.Sink<Object, RuntimeException> IGNORE = done -> {};

    private final ObjectStoreAgentConfig config;
    private final BackupRepository repository;
    private final SourceBuckets buckets;
    private final Quarantine quarantine;

    @Inject
    public BucketRestore(
            ObjectStoreAgentConfig config, BackupRepository repository, SourceBuckets buckets, Quarantine quarantine) {
        this.config = config;
        this.repository = repository;
        this.buckets = buckets;
        this.quarantine = quarantine;
    }

    /** Where a restore writes: a bucket and the prefix that replaces the store's own. */
    public record Target(String store, String bucket, String storePrefix, String prefix) {

        /** The target key of a key as the manifest recorded it. */
        String map(String manifestKey) {
            return prefix + manifestKey.substring(Math.min(storePrefix.length(), manifestKey.length()));
        }

        boolean inPlace(ObjectStoreAgentConfig.Store s) {
            return bucket.equals(s.bucket()) && prefix.equals(storePrefix);
        }
    }

    public Target target(String store, String bucket, String prefix) {
        ObjectStoreAgentConfig.Store s = config.stores().get(store);
        String storePrefix = s.prefix().orElse("");
        return new Target(
                store,
                bucket == null || bucket.isBlank() ? s.bucket() : bucket,
                storePrefix,
                prefix == null ? storePrefix : prefix);
    }

    public StepResult restore(
            Target target, String manifestKey, String manifestSha256, boolean prune, StepContext context)
            throws StepFailure {
        return walk(target, manifestKey, manifestSha256, prune, false, context);
    }

    public StepResult inspect(
            Target target, String manifestKey, String manifestSha256, boolean prune, StepContext context)
            throws StepFailure {
        return walk(target, manifestKey, manifestSha256, prune, true, context);
    }

    private StepResult walk(
            Target target,
            String manifestKey,
            String manifestSha256,
            boolean prune,
            boolean dryRun,
            StepContext context)
            throws StepFailure {
        S3Client s3 = buckets.of(target.store());
        long started = System.nanoTime();
        AtomicLong copied = new AtomicLong();
        AtomicLong copiedBytes = new AtomicLong();
        Counts counts = new Counts();
        List<String> overwrittenSample = new ArrayList<>();
        ExecutorService copiers = Workers.start("restore-copy", config.copyConcurrency());
        FutureWindow<Object> window = new FutureWindow<>(4 * Math.max(1, config.copyConcurrency()));
        context.onCancel(copiers::shutdownNow);
        try (ExtraKeys extra = new ExtraKeys(s3, target.bucket(), prune, dryRun)) {
            try (InputStream manifestStream = repository.openVerified(manifestKey, manifestSha256)) {
                ManifestWalk.walk(manifestStream, s3, target, new ManifestWalk.Visitor() {
                    @Override
                    public void entry(ManifestEntry entry, String key, S3Object live)
                            throws ExecutionException, InterruptedException {
                        counts.objects++;
                        if (live != null && live.size() == entry.size() && sameEtag(live.eTag(), entry.etag())) {
                            counts.unchanged++;
                            return;
                        }
                        if (live != null) {
                            counts.overwritten++;
                            sample(overwrittenSample, key);
                        }
                        if (dryRun) {
                            copied.incrementAndGet();
                            copiedBytes.addAndGet(entry.size());
                            return;
                        }
                        window.add(
                                copiers.submit(() -> {
                                    copyBack(s3, target.bucket(), key, entry);
                                    copied.incrementAndGet();
                                    copiedBytes.addAndGet(entry.size());
                                    context.progress(copiedBytes.get(), copied.get());
                                    return null;
                                }),
                                IGNORE);
                    }

                    @Override
                    public void extra(S3Object live) throws IOException {
                        extra.add(live.key());
                    }
                });
                window.drain(IGNORE);
                manifestStream.transferTo(OutputStream.nullOutputStream());
            }
            // Every copy succeeded and hashed to the manifest, and the manifest was read whole and verified (its
            // stream closed without an IntegrityException): only now may anything be deleted.
            if (context.cancelled()) {
                throw new StepFailure(
                        "the restore was cancelled before pruning; nothing was deleted: " + context.cancelReason());
            }
            extra.deleteAll(context);
            return result(
                    target,
                    manifestKey,
                    manifestSha256,
                    dryRun,
                    started,
                    copied,
                    copiedBytes,
                    counts,
                    overwrittenSample,
                    extra);
        } catch (IntegrityException e) {
            throw new StepFailure(e.getMessage());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new StepFailure(
                    cause instanceof StepFailure
                            ? cause.getMessage()
                            : "copying objects back into bucket " + target.bucket() + " failed: " + cause.getMessage());
        } catch (IOException | RepositoryException | UncheckedIOException | SdkException e) {
            throw new StepFailure(
                    "restore of bucket " + target.bucket() + " from " + manifestKey + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailure("the restore of bucket " + target.bucket() + " was interrupted");
        } finally {
            Workers.stop(copiers); // a failed restore ends only after its copies in flight returned
        }
    }

    private static StepResult result(
            Target target,
            String manifestKey,
            String manifestSha256,
            boolean dryRun,
            long started,
            AtomicLong copied,
            AtomicLong copiedBytes,
            Counts counts,
            List<String> overwrittenSample,
            ExtraKeys extra) {
        Map<String, String> evidence = new HashMap<>();
        evidence.put(EvidenceKeys.BUCKET, target.bucket());
        evidence.put(EvidenceKeys.PREFIX, target.prefix());
        evidence.put(EvidenceKeys.OBJECTS, Long.toString(counts.objects));
        evidence.put(dryRun ? EvidenceKeys.OBJECTS_TO_COPY : EvidenceKeys.OBJECTS_COPIED, Long.toString(copied.get()));
        evidence.put(
                dryRun ? EvidenceKeys.BYTES_TO_TRANSFER : EvidenceKeys.BYTES_COPIED, Long.toString(copiedBytes.get()));
        evidence.put(EvidenceKeys.UNCHANGED, Long.toString(counts.unchanged));
        evidence.put(
                dryRun ? EvidenceKeys.KEYS_TO_OVERWRITE : EvidenceKeys.KEYS_OVERWRITTEN,
                Long.toString(counts.overwritten));
        evidence.put(dryRun ? EvidenceKeys.KEYS_TO_DELETE : EvidenceKeys.KEYS_DELETED, Long.toString(extra.pruned));
        evidence.put(EvidenceKeys.KEYS_NOT_IN_MANIFEST_KEPT, Long.toString(extra.kept));
        if (!overwrittenSample.isEmpty()) {
            evidence.put(EvidenceKeys.OVERWRITTEN_SAMPLE, String.join(",", overwrittenSample));
        }
        if (!extra.prunedSample.isEmpty()) {
            evidence.put(EvidenceKeys.DELETED_SAMPLE, String.join(",", extra.prunedSample));
        }
        if (!extra.keptSample.isEmpty()) {
            evidence.put(EvidenceKeys.KEPT_SAMPLE, String.join(",", extra.keptSample));
        }
        evidence.put(EvidenceKeys.DURATION_MILLIS, Long.toString((System.nanoTime() - started) / 1_000_000));
        LOG.infof(
                "%s bucket %s%s from %s: %d copied, %d unchanged, %d pruned",
                dryRun ? "inspected" : "restored",
                target.bucket(),
                target.prefix().isEmpty() ? "" : "/" + target.prefix(),
                manifestKey,
                copied.get(),
                counts.unchanged,
                extra.pruned);
        return new StepResult(copiedBytes.get(), manifestSha256, manifestKey, evidence);
    }

    static final class Counts {
        long objects;
        long unchanged;
        long overwritten;
        long extra;
    }

    /**
     * Copies one blob back to its key; its content must hash to the manifest's SHA-256 or nothing is written. A blob
     * found damaged is moved aside ({@link Quarantine}) so that the next backup of the store copies it again.
     */
    private void copyBack(S3Client s3, String bucket, String key, ManifestEntry entry) throws IOException, StepFailure {
        try {
            if (entry.size() <= config.inMemoryLimit()) {
                byte[] bytes;
                try (InputStream blob = open(entry)) {
                    bytes = blob.readAllBytes();
                }
                MessageDigest digest = Hashing.sha256();
                digest.update(bytes);
                String actual = Hashing.hex(digest);
                if (!actual.equalsIgnoreCase(entry.sha256())) {
                    String why = "blob " + entry.blob() + " of " + entry.key() + " is corrupted: it hashes to " + actual
                            + ", the manifest recorded " + entry.sha256();
                    throw new StepFailure(why + "; " + key + " was not written; " + quarantine.damaged(entry, why));
                }
                s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
            } else {
                // Streamed with its known length; a hash mismatch at the end aborts the request, so no object. The
                // blob is opened by a provider, once per read: the SDK reads a body twice when it signs the payload
                // (plain-http endpoints), and a one-shot stream cannot be read again.
                s3.putObject(
                        b -> b.bucket(bucket).key(key).contentLength(entry.size()),
                        RequestBody.fromContentProvider(
                                () -> new VerifyingInputStream(open(entry), entry.blob(), entry.sha256()),
                                entry.size(),
                                "application/octet-stream"));
            }
        } catch (SdkException | IOException e) {
            DamagedArtifactException damaged = Quarantine.damage(e);
            if (damaged != null) {
                throw new StepFailure(damaged.getMessage() + "; " + key + " was not written; "
                        + quarantine.damaged(entry, damaged.getMessage()));
            }
            Throwable cause = e.getCause();
            if (e instanceof SdkException && cause instanceof IntegrityException) {
                throw new StepFailure(cause.getMessage() + "; " + key + " was not written");
            }
            throw e;
        }
    }

    /** The blob's plaintext: a ranged read of its pack, or its own key. */
    private InputStream open(ManifestEntry entry) {
        return entry.packed()
                ? repository.openPacked(entry.pack(), entry.offset(), entry.length(), entry.blob())
                : repository.open(entry.blob());
    }

    static Iterator<S3Object> listing(S3Client s3, String bucket, String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix))
                .contents()
                .iterator();
    }

    private static boolean sameEtag(String a, String b) {
        return a != null && b != null && a.replace("\"", "").equals(b.replace("\"", ""));
    }

    static void sample(List<String> into, String value) {
        if (into.size() < SAMPLE) {
            into.add(value);
        }
    }
}
