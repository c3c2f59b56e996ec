package io.lockstep.objectstore.backup;

import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.protocol.ArtifactLayout;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.RepositoryException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The base of a bucket backup: the base run's manifest, read forward in key order alongside the listing, and the
 * store's blobs and packs as one listing of {@code blobs/<store>/} and one of {@code packs/<store>/} say they are now
 * (see {@link IncrementalBase}).
 */
final class BaseRun implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BaseRun.class);

    private final InputStream stream;
    private final IncrementalBase base;
    final long blobsListed;

    private BaseRun(InputStream stream, IncrementalBase base, long blobsListed) {
        this.stream = stream;
        this.base = base;
        this.blobsListed = blobsListed;
    }

    static BaseRun open(BackupRepository repository, String key, String store, Map<String, Long> lastListed)
            throws StepFailure {
        if (key == null || key.isBlank()) {
            return new BaseRun(null, IncrementalBase.none(), 0);
        }
        String blobPrefix = "blobs/" + store + "/";
        BlobSet blobs;
        try {
            // Listed before the manifest is read: a blob deleted after this listing is caught by verification.
            blobs = BlobSet.listed(repository::keys, blobPrefix, lastListed.getOrDefault(store, -1L));
            lastListed.put(store, (long) blobs.size());
        } catch (RepositoryException e) {
            LOG.warnf("cannot list %s (%s); copying everything", blobPrefix, e.getMessage());
            return new BaseRun(null, IncrementalBase.none(), 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailure("the backup of store " + store + " was interrupted while listing its blobs");
        }
        Map<String, Long> packs;
        try {
            packs = repository.list(ArtifactLayout.packPrefix(store));
        } catch (RepositoryException e) {
            LOG.warnf("cannot list the packs of store %s (%s); copying everything", store, e.getMessage());
            return new BaseRun(null, IncrementalBase.none(), 0);
        }
        try {
            InputStream in = repository.open(key);
            return new BaseRun(in, new IncrementalBase(Manifests.entries(in), blobs, blobPrefix, packs), blobs.size());
        } catch (IOException | RepositoryException | java.io.UncheckedIOException e) {
            LOG.warnf("previous manifest %s is unreadable (%s); copying everything", key, e.getMessage());
            return new BaseRun(null, IncrementalBase.none(), 0);
        }
    }

    /** Whether a base manifest was read (an unreadable one means a full copy). */
    boolean read() {
        return stream != null;
    }

    IncrementalBase.Decision decide(S3Object object) {
        return base.decide(object.key(), object.size(), object.eTag());
    }

    ManifestEntry entry() {
        return base.entry();
    }

    @Override
    public void close() {
        if (stream != null) {
            try {
                stream.close();
            } catch (IOException ignored) {
                // read-only
            }
        }
    }
}
