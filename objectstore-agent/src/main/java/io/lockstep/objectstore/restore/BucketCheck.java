package io.lockstep.objectstore.restore;

import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.concurrent.Workers;
import io.lockstep.objectstore.backup.FutureWindow;
import io.lockstep.objectstore.backup.ManifestEntry;
import io.lockstep.objectstore.backup.Manifests;
import io.lockstep.objectstore.backup.ReferenceMerge;
import io.lockstep.objectstore.client.SourceBuckets;
import io.lockstep.objectstore.config.ObjectStoreAgentConfig;
import io.lockstep.protocol.ArtifactLayout;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.Hashing;
import io.lockstep.repository.RepositoryException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * What follows a restore into a target that is not the live store: {@link #check} re-reads the restored target and
 * compares it with the manifest (and resolves cross-store references), and {@link #drop} deletes a drill's scratch
 * prefix.
 */
@ApplicationScoped
public class BucketCheck {

    private final ObjectStoreAgentConfig config;
    private final BackupRepository repository;
    private final SourceBuckets buckets;

    @Inject
    public BucketCheck(ObjectStoreAgentConfig config, BackupRepository repository, SourceBuckets buckets) {
        this.config = config;
        this.repository = repository;
        this.buckets = buckets;
    }

    /**
     * Compares a restored target with the manifest: every object present with the recorded SHA-256 (re-read), no
     * object the manifest lacks (when {@code exact}), and every key of the given reference lists present.
     */
    public StepResult check(
            BucketRestore.Target target,
            String manifestKey,
            String manifestSha256,
            boolean exact,
            List<String> referenceArtifacts,
            StepContext context)
            throws StepFailure {
        S3Client s3 = buckets.of(target.store());
        List<String> problems = new ArrayList<>();
        BucketRestore.Counts counts = new BucketRestore.Counts();
        ExecutorService hashers = Workers.start("restore-check", config.copyConcurrency());
        FutureWindow<String> window = new FutureWindow<>(256);
        FutureWindow.Sink<String, RuntimeException> toProblems = problem -> {
            if (problem != null) {
                BucketRestore.sample(problems, problem);
            }
        };
        try (InputStream manifestStream = repository.openVerified(manifestKey, manifestSha256)) {
            ManifestWalk.walk(manifestStream, s3, target, new ManifestWalk.Visitor() {
                @Override
                public void entry(ManifestEntry entry, String key, S3Object live)
                        throws ExecutionException, InterruptedException {
                    counts.objects++;
                    if (live == null) {
                        BucketRestore.sample(problems, "object " + key + " is missing");
                        return;
                    }
                    window.add(hashers.submit(() -> rehash(s3, target.bucket(), key, entry)), toProblems);
                    if (counts.objects % 1000 == 0) {
                        context.progress(0, counts.objects);
                    }
                }

                @Override
                public void extra(S3Object live) {
                    counts.extra++;
                }
            });
            window.drain(toProblems);
            manifestStream.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException | RepositoryException | UncheckedIOException | SdkException e) {
            throw new StepFailure(
                    "cannot check bucket " + target.bucket() + " against " + manifestKey + ": " + e.getMessage());
        } catch (ExecutionException e) {
            throw new StepFailure("cannot check bucket " + target.bucket() + ": "
                    + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailure("the check of bucket " + target.bucket() + " was interrupted");
        } finally {
            Workers.stop(hashers);
        }
        if (exact && counts.extra > 0) {
            problems.add(counts.extra + " objects under " + target.prefix() + " are not in the backup");
        }
        long references = 0;
        for (String artifact : referenceArtifacts) {
            references += resolveReferences(s3, target, artifact, problems);
        }
        if (!problems.isEmpty()) {
            throw new StepFailure(
                    "bucket " + target.bucket() + " does not match the backup: " + String.join("; ", problems));
        }
        Map<String, String> evidence = new HashMap<>();
        evidence.put(EvidenceKeys.BUCKET, target.bucket());
        evidence.put(EvidenceKeys.PREFIX, target.prefix());
        evidence.put(EvidenceKeys.OBJECTS, Long.toString(counts.objects));
        evidence.put(EvidenceKeys.OBJECTS_VERIFIED, Long.toString(counts.objects));
        evidence.put(EvidenceKeys.OBJECTS_NOT_IN_BACKUP, Long.toString(counts.extra));
        if (!referenceArtifacts.isEmpty()) {
            evidence.put(EvidenceKeys.REFERENCES, Long.toString(references));
            evidence.put(EvidenceKeys.DANGLING, "0");
        }
        return new StepResult(0, null, manifestKey, evidence);
    }

    /** Every key a restored database references must exist in the restored bucket. Returns the keys checked. */
    private long resolveReferences(S3Client s3, BucketRestore.Target target, String artifact, List<String> problems)
            throws StepFailure {
        List<String> danglingSample = new ArrayList<>();
        ReferenceMerge.Counts counts;
        try (InputStream refStream = repository.open(artifact)) {
            counts = ReferenceMerge.merge(
                    Manifests.lines(refStream),
                    ReferenceMerge.keys(BucketRestore.listing(s3, target.bucket(), target.prefix()), S3Object::key),
                    target::map,
                    false,
                    ref -> BucketRestore.sample(danglingSample, ref));
        } catch (IOException | RepositoryException | UncheckedIOException | SdkException e) {
            throw new StepFailure("cannot resolve references " + artifact + ": " + e.getMessage());
        }
        long dangling = counts.dangling();
        if (dangling > 0) {
            problems.add(dangling + " keys the restored database references are missing from the restored bucket, "
                    + "for example " + danglingSample);
        }
        return counts.references();
    }

    /** Deletes a drill's scratch prefix; refuses any prefix a drill would not have made. */
    public StepResult drop(BucketRestore.Target target) throws StepFailure {
        if (!ArtifactLayout.isDrillPrefix(target.prefix())) {
            throw new StepFailure("refusing to delete " + target.bucket() + "/" + target.prefix() + ": only restore "
                    + "drills' scratch prefixes (" + ArtifactLayout.DRILL_PREFIX + "...) are dropped");
        }
        S3Client s3 = buckets.of(target.store());
        long deleted = 0;
        try {
            Iterator<S3Object> live = BucketRestore.listing(s3, target.bucket(), target.prefix());
            while (live.hasNext()) {
                String key = live.next().key();
                s3.deleteObject(b -> b.bucket(target.bucket()).key(key));
                deleted++;
            }
        } catch (SdkException e) {
            throw new StepFailure("cannot delete scratch prefix " + target.prefix() + ": " + e.getMessage());
        }
        return new StepResult(
                0,
                null,
                null,
                Map.of(
                        EvidenceKeys.BUCKET,
                        target.bucket(),
                        EvidenceKeys.PREFIX,
                        target.prefix(),
                        EvidenceKeys.DELETED,
                        Long.toString(deleted)));
    }

    /** Re-reads a restored object and compares its SHA-256 with the manifest's; returns a problem or null. */
    private static String rehash(S3Client s3, String bucket, String key, ManifestEntry entry) throws IOException {
        try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key))) {
            MessageDigest digest = Hashing.sha256();
            in.transferTo(new java.security.DigestOutputStream(java.io.OutputStream.nullOutputStream(), digest));
            String actual = Hashing.hex(digest);
            return actual.equalsIgnoreCase(entry.sha256())
                    ? null
                    : "object " + key + " hashes to " + actual + ", the backup recorded " + entry.sha256();
        }
    }
}
