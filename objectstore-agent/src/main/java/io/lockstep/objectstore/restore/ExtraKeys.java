package io.lockstep.objectstore.restore;

import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Keys of the target that the manifest does not hold: deleted with {@code prune} (unless a dry run), else kept.
 * Deletion waits for {@link #deleteAll}, called only once every object of the manifest is back and hash-checked
 * and the manifest itself was verified to its end: a restore that fails on the way (a damaged or missing blob, a
 * corrupted manifest, a cancel) deletes nothing. Until then the keys are spooled to a temporary file, so a bucket
 * with millions of extra keys costs no heap.
 */
final class ExtraKeys implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ExtraKeys.class);
    private final S3Client s3;
    private final String bucket;
    private final boolean prune;
    private final boolean dryRun;
    private Path spool;
    private DataOutputStream toDelete;
    long pruned;
    long kept;
    final List<String> prunedSample = new ArrayList<>();
    final List<String> keptSample = new ArrayList<>();

    ExtraKeys(S3Client s3, String bucket, boolean prune, boolean dryRun) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prune = prune;
        this.dryRun = dryRun;
    }

    void add(String key) throws IOException {
        if (!prune) {
            kept++;
            BucketRestore.sample(keptSample, key);
            return;
        }
        if (!dryRun) {
            if (toDelete == null) {
                spool = Files.createTempFile("lockstep-prune-", ".keys");
                toDelete = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(spool)));
            }
            toDelete.writeUTF(key);
        }
        pruned++;
        BucketRestore.sample(prunedSample, key);
    }

    /** Deletes the spooled keys; returns how many. */
    long deleteAll(StepContext context) throws IOException, StepFailure {
        if (toDelete == null) {
            return 0;
        }
        toDelete.close();
        toDelete = null;
        long deleted = 0;
        try (DataInputStream keys = new DataInputStream(new BufferedInputStream(Files.newInputStream(spool)))) {
            for (long i = 0; i < pruned; i++) {
                if (context.cancelled()) {
                    throw new StepFailure("the restore was cancelled while pruning bucket " + bucket + " (" + deleted
                            + " of " + pruned + " keys deleted): " + context.cancelReason());
                }
                String key = keys.readUTF();
                s3.deleteObject(b -> b.bucket(bucket).key(key));
                deleted++;
            }
        }
        return deleted;
    }

    @Override
    public void close() {
        try {
            if (toDelete != null) {
                toDelete.close();
            }
        } catch (IOException ignored) {
            // only the spool; it is deleted next
        }
        if (spool != null) {
            try {
                Files.deleteIfExists(spool);
            } catch (IOException e) {
                LOG.warnf("could not delete the prune spool %s: %s", spool, e.getMessage());
            }
        }
    }
}
