package io.lockstep.objectstore.backup;

import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.DamagedArtifactException;
import io.lockstep.repository.RepositoryException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Takes a damaged blob out of {@code blobs/<store>/}: a blob whose content does not hash to its manifest's SHA-256,
 * or fails the AEAD's authentication, is worthless under its name. Its stored bytes are kept aside, as they are,
 * under {@code quarantine/<store>/<name>} (outside {@code blobs/}, so blob GC never sees them), then the blob is
 * deleted. The next backup of the store finds it missing in its listing of {@code blobs/<store>/} and copies the
 * objects that need it again from the source; since the name is content-addressed, that also repairs every older run
 * that names it.
 */
@ApplicationScoped
public class Quarantine {

    private static final Logger LOG = Logger.getLogger(Quarantine.class);
    static final String PREFIX = "quarantine/";

    private final BackupRepository repository;

    @Inject
    public Quarantine(BackupRepository repository) {
        this.repository = repository;
    }

    /** Where a blob ({@code blobs/<store>/<name>}) is kept aside. */
    public static String keyOf(String blob) {
        return PREFIX + (blob.startsWith("blobs/") ? blob.substring("blobs/".length()) : blob);
    }

    /** Whether a failure says the stored bytes are damaged (not a missing key, not a failed connection). */
    public static DamagedArtifactException damage(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof DamagedArtifactException damaged) {
                return damaged;
            }
        }
        return null;
    }

    /**
     * Moves a damaged blob aside; returns a sentence for the step's failure. A failure to move it is logged and said:
     * the blob then stays, and the next backup cannot know it is damaged.
     */
    public String damaged(String blob, String why) {
        String aside = keyOf(blob);
        try {
            repository.copyStored(blob, aside);
            repository.delete(blob);
            LOG.warnf(
                    "blob %s is damaged (%s): moved to %s; the next backup of the store copies it again from the "
                            + "source",
                    blob, why, aside);
            return "the damaged blob was moved to " + aside + "; the next backup of the store copies it again";
        } catch (RepositoryException e) {
            LOG.errorf("blob %s is damaged (%s) but could not be moved aside: %s", blob, why, e.getMessage());
            return "the damaged blob could not be moved aside (" + e.getMessage() + ")";
        }
    }
}
