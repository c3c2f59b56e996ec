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
 *
 * <p>A damaged blob kept in a pack takes its whole pack aside ({@code quarantine/packs/<store>/<uuid>}): a record
 * cannot be cut out of a stored object. Its intact records stay readable there: a reader that finds neither the pack
 * nor a healed copy reads the record from the quarantined pack (each record is authenticated, or hash-checked by the
 * reader), so older runs whose objects are gone from the source lose only the damaged blob. The next backup copies again every object whose blob lay in that pack,
 * each under its blob's own key, where the readers of older runs that name the pack find it when the pack is gone: as
 * with loose blobs, that heals the older runs too.
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

    /** Where a blob ({@code blobs/<store>/<name>}) or a pack ({@code packs/<store>/<uuid>}) is kept aside. */
    public static String keyOf(String blob) {
        return io.lockstep.protocol.ArtifactLayout.quarantined(blob);
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
     * Moves aside what a damaged entry was read from: its pack, or its blob's own key when the pack is gone (a healed
     * copy); returns a sentence for the step's failure.
     */
    public String damaged(ManifestEntry entry, String why) {
        boolean fromPack = entry.packed() && existsQuietly(entry.pack());
        return damaged(fromPack ? entry.pack() : entry.blob(), why);
    }

    private boolean existsQuietly(String key) {
        try {
            return repository.exists(key);
        } catch (RepositoryException e) {
            return true; // say so through the move's own failure
        }
    }

    /**
     * Moves a damaged blob, or the pack that holds it ({@code stored}: what {@code ManifestEntry.stored()} names),
     * aside; returns a sentence for the step's failure. A failure to move it is logged and said: the blob then stays,
     * and the next backup cannot know it is damaged.
     */
    public String damaged(String stored, String why) {
        String what = stored.startsWith(io.lockstep.protocol.ArtifactLayout.PACKS) ? "pack" : "blob";
        String aside = keyOf(stored);
        try {
            repository.copyStored(stored, aside);
            repository.delete(stored);
            LOG.warnf(
                    "%s %s is damaged (%s): moved to %s; the next backup of the store copies it again from the "
                            + "source",
                    what, stored, why, aside);
            return "the damaged " + what + " was moved to " + aside + "; the next backup of the store copies it again";
        } catch (RepositoryException e) {
            LOG.errorf("%s %s is damaged (%s) but could not be moved aside: %s", what, stored, why, e.getMessage());
            return "the damaged " + what + " could not be moved aside (" + e.getMessage() + ")";
        }
    }
}
