package io.lockstep.objectstore.backup;

import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.concurrent.Workers;
import io.lockstep.objectstore.config.ObjectStoreAgentConfig;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.RepositoryException;
import io.lockstep.repository.VerifiedInputStream;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import org.jboss.logging.Logger;

/**
 * Verifies an object manifest as it lies in the repository: its SHA-256, that the blobs it names exist (a HEAD
 * each for the first {@link #HEAD_UP_TO} blobs checked, then one listing of the store's blobs; a blob kept in a pack
 * against one listing of the store's packs, whose pack must exist and reach past the blob's end, or else the blob under
 * its own key, where a backup that found the pack missing copied it again), and
 * that every cross-store reference key resolves against it (a key the manifest lacks is a dangling
 * reference; an object no key uses is an orphan, only counted).
 *
 * <p>Which blobs are checked ({@link Capture}): after a full copy, every one. After an incremental copy, every blob
 * the copy wrote (an object new or changed since its base, or healed) and a sample of
 * {@code lockstep.objectstore.verify-sample-percent} of the objects it reused unchanged from its base, chosen afresh
 * for each run. A reused object's blob was confirmed by the copy's own listing of the store's blobs, taken during
 * this run (an unchanged object whose blob was missing is copied again, not reused); the repository check
 * ({@code lockstep repository check}, schedulable per plan) re-checks every blob of every run.
 */
@ApplicationScoped
public class BucketVerifier {

    private static final Logger LOG = Logger.getLogger(BucketVerifier.class);

    static final int SAMPLE = 20;

    /**
     * Blobs checked with a HEAD each; past this many objects the rest are checked against one listing of the store's
     * blobs, which costs a request per 1000 blobs (in 16 bytes of memory each, see {@link BlobSet}).
     */
    static final int HEAD_UP_TO = 2000;

    private final ObjectStoreAgentConfig config;
    private final BackupRepository repository;

    private final int headUpTo;

    /**
     * What the capture of a manifest reported, as far as the verification of its blobs cares.
     *
     * @param objects the object count, or null: past {@link #HEAD_UP_TO} the blobs are listed before the first one
     *     is checked, instead of after {@link #HEAD_UP_TO} HEADs
     * @param copied how many objects the capture copied into blobs, or null
     * @param base the manifest the capture reused unchanged objects from, after confirming their blobs with a listing
     *     of its own; null after a full copy
     */
    public record Capture(Long objects, Long copied, String base) {

        /** Nothing known: every blob is checked. */
        public static final Capture UNKNOWN = new Capture(null, null, null);

        boolean incremental() {
            return base != null && !base.isBlank() && copied != null;
        }
    }

    @Inject
    public BucketVerifier(ObjectStoreAgentConfig config, BackupRepository repository) {
        this(config, repository, HEAD_UP_TO);
    }

    BucketVerifier(ObjectStoreAgentConfig config, BackupRepository repository, int headUpTo) {
        this.config = config;
        this.repository = repository;
        this.headUpTo = headUpTo;
    }

    public StepResult verify(
            String manifestKey,
            String expectedSha256,
            List<String> referenceArtifacts,
            Capture capture,
            StepContext context)
            throws StepFailure {
        int samplePercent = Math.max(0, Math.min(100, config.verifySamplePercent()));
        Map<String, String> evidence = new HashMap<>();
        long objects = 0;
        long checked = 0;
        long trusted = 0;
        List<String> missingBlobs = new ArrayList<>();
        long[] bytes = {0};
        String actual;
        // With a recorded SHA-256 the stored bytes are hashed and checked while they stream (then decrypted); a
        // mismatch, a wrong key or an altered manifest fails the read with IntegrityException.
        VerifiedInputStream verified;
        try {
            verified = expectedSha256 == null ? null : repository.openVerified(manifestKey, expectedSha256);
        } catch (RepositoryException e) {
            throw new StepFailure("cannot read manifest " + manifestKey + ": " + e.getMessage());
        }
        BaseEntries reused = capture.incremental() && samplePercent < 100
                ? BaseEntries.open(repository, capture.base())
                : BaseEntries.NONE;
        // Blobs to check: all of them, or after an incremental copy those it copied and the sample.
        Long toCheck = reused == BaseEntries.NONE
                ? capture.objects()
                : capture.objects() == null ? null : capture.copied() + capture.objects() * samplePercent / 100;
        boolean listFirst = toCheck != null && toCheck > headUpTo;
        ExecutorService checkers = Workers.start("verify-check", config.copyConcurrency());
        try (InputStream raw = verified == null ? repository.open(manifestKey) : verified;
                var counted = new java.io.FilterInputStream(raw) {
                    @Override
                    public int read() throws IOException {
                        int b = super.read();
                        bytes[0] += b < 0 ? 0 : 1;
                        return b;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        bytes[0] += Math.max(0, n);
                        return n;
                    }
                }) {
            Iterator<ManifestEntry> entries = Manifests.entries(counted);
            FutureWindow<String> window = new FutureWindow<>(256);
            FutureWindow.Sink<String, RuntimeException> toMissing = missing -> collect(missing, missingBlobs);
            BlobSet listed = null;
            String listedPrefix = null;
            Map<String, Long> packs = null;
            while (entries.hasNext()) {
                ManifestEntry entry = entries.next();
                objects++;
                if (objects % 1000 == 0) {
                    context.progress(0, objects);
                }
                if (reused.holds(entry) && !sampled(manifestKey, entry.blob(), samplePercent)) {
                    trusted++;
                    continue;
                }
                checked++;
                if (entry.packed()) {
                    if (packs == null) { // one listing of the store's packs: a few keys, a pack holds many blobs
                        packs = repository.packs(
                                entry.pack().substring(0, entry.pack().lastIndexOf('/') + 1));
                        evidence.put(EvidenceKeys.PACKS, Integer.toString(packs.size()));
                    }
                    if (holds(packs, entry)) {
                        continue;
                    }
                    // without its pack, a blob a later backup healed lies under its own key: checked as any other
                }
                if (listed == null && (listFirst || checked > headUpTo)) {
                    // A long manifest: a listing (a request per 1000 blobs, 16 at once) instead of a HEAD per blob.
                    listedPrefix = entry.blob().substring(0, entry.blob().lastIndexOf('/') + 1);
                    listed = BlobSet.listed(repository::keys, listedPrefix);
                    evidence.put(EvidenceKeys.BLOBS_LISTED, Long.toString(listed.size()));
                }
                if (listed != null && entry.blob().startsWith(listedPrefix)) {
                    collect(listed.contains(entry.blob()) ? null : entry.key(), missingBlobs);
                } else {
                    window.add(checkers.submit(() -> repository.exists(entry.blob()) ? null : entry.key()), toMissing);
                }
            }
            window.drain(toMissing);
            counted.transferTo(java.io.OutputStream.nullOutputStream());
            // The SHA-256 computed from the stored bytes (the read threw on a mismatch): what the step reports.
            actual = verified == null ? null : verified.storedSha256();
        } catch (IOException | RepositoryException | java.io.UncheckedIOException e) {
            throw new StepFailure("cannot read manifest " + manifestKey + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailure("verification of " + manifestKey + " was interrupted");
        } catch (ExecutionException e) {
            throw new StepFailure("checking the blobs of " + manifestKey + " failed: "
                    + e.getCause().getMessage());
        } finally {
            Workers.stop(checkers);
            reused.close();
        }
        if (!missingBlobs.isEmpty()) {
            throw new StepFailure("the manifest is incomplete: " + missingBlobs.size() + " objects have no blob in the "
                    + "repository, for example " + missingBlobs.subList(0, Math.min(SAMPLE, missingBlobs.size()))
                    + "; the next backup of the store copies them again from the source");
        }
        evidence.put(EvidenceKeys.OBJECTS, Long.toString(objects));
        evidence.put(EvidenceKeys.BLOBS_MISSING, "0");
        evidence.put(EvidenceKeys.BLOBS_CHECKED, Long.toString(checked));
        if (reused != BaseEntries.NONE) {
            evidence.put(EvidenceKeys.BLOBS_TRUSTED, Long.toString(trusted));
        }
        long dangling = 0;
        long orphans = 0;
        long references = 0;
        List<String> danglingSample = new ArrayList<>();
        for (String artifact : referenceArtifacts) {
            long[] counts = resolve(manifestKey, artifact, danglingSample);
            references += counts[0];
            dangling += counts[1];
            orphans = Math.max(orphans, counts[2]);
        }
        if (!referenceArtifacts.isEmpty()) {
            evidence.put(EvidenceKeys.REFERENCES, Long.toString(references));
            evidence.put(EvidenceKeys.DANGLING, Long.toString(dangling));
            evidence.put(EvidenceKeys.ORPHANS, Long.toString(orphans));
            if (dangling > 0) {
                throw new StepFailure(dangling + " dangling references: keys the SQL references that the object "
                        + "manifest lacks, for example " + danglingSample);
            }
        }
        return new StepResult(verified == null ? bytes[0] : verified.storedBytes(), actual, manifestKey, evidence);
    }

    /** Whether the listed packs hold a packed entry's blob: its pack exists and reaches past the blob's end. */
    static boolean holds(Map<String, Long> packs, ManifestEntry entry) {
        return IncrementalBase.holds(packs.get(entry.pack()), entry);
    }

    /**
     * Whether a reused object's blob is in this run's sample: a hash of the blob's name salted with the manifest's
     * key (a new key for every run), so each run samples other blobs.
     */
    static boolean sampled(String manifestKey, String blob, int percent) {
        if (percent <= 0) {
            return false;
        }
        long h = (long) manifestKey.hashCode() * 0x9E3779B97F4A7C15L + blob.hashCode();
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return Math.floorMod(h, 100) < percent;
    }

    /**
     * The base manifest, read forward in key order beside the manifest under verification: an entry the base holds
     * with the same key and blob was reused by the capture. An unreadable base reuses nothing (every blob is checked).
     */
    private static final class BaseEntries implements AutoCloseable {

        static final BaseEntries NONE = new BaseEntries(null, java.util.Collections.emptyIterator());

        private final InputStream stream;
        private final Iterator<ManifestEntry> entries;
        private ManifestEntry current;

        private BaseEntries(InputStream stream, Iterator<ManifestEntry> entries) {
            this.stream = stream;
            this.entries = entries;
            this.current = entries.hasNext() ? entries.next() : null;
        }

        static BaseEntries open(BackupRepository repository, String key) {
            InputStream in = null;
            try {
                in = repository.open(key);
                return new BaseEntries(in, Manifests.entries(in));
            } catch (IOException | RuntimeException e) {
                LOG.warnf("base manifest %s is unreadable (%s); checking every blob", key, e.getMessage());
                closeQuietly(in);
                return NONE;
            }
        }

        /** Call in key order. A base that turns unreadable midway reuses nothing further. */
        boolean holds(ManifestEntry entry) {
            try {
                while (current != null && Manifests.KEY_ORDER.compare(current.key(), entry.key()) < 0) {
                    current = entries.hasNext() ? entries.next() : null;
                }
            } catch (RuntimeException e) {
                LOG.warnf("base manifest unreadable midway (%s); checking every further blob", e.getMessage());
                current = null;
            }
            return current != null
                    && current.key().equals(entry.key())
                    && current.size() == entry.size()
                    && current.blob().equals(entry.blob());
        }

        @Override
        public void close() {
            closeQuietly(stream);
            current = null;
        }

        private static void closeQuietly(InputStream in) {
            if (in != null) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // read-only
                }
            }
        }
    }

    private static void collect(String missing, List<String> into) {
        if (missing != null) {
            into.add(missing);
        }
    }

    /** Merges the sorted reference keys with the manifest: {references, dangling, orphans}. */
    private long[] resolve(String manifestKey, String referenceArtifact, List<String> danglingSample)
            throws StepFailure {
        try (InputStream manifestStream = repository.open(manifestKey);
                InputStream refStream = repository.open(referenceArtifact)) {
            ReferenceMerge.Counts counts = ReferenceMerge.merge(
                    Manifests.lines(refStream),
                    ReferenceMerge.keys(Manifests.entries(manifestStream), ManifestEntry::key),
                    ref -> ref,
                    true,
                    ref -> {
                        if (danglingSample.size() < SAMPLE) {
                            danglingSample.add(ref);
                        }
                    });
            return new long[] {counts.references(), counts.dangling(), counts.unreferenced()};
        } catch (IOException | RepositoryException | java.io.UncheckedIOException e) {
            throw new StepFailure("cannot resolve references " + referenceArtifact + ": " + e.getMessage());
        }
    }
}
