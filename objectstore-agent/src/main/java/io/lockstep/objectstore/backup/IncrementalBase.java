package io.lockstep.objectstore.backup;

import java.util.Collections;
import java.util.Iterator;

/**
 * The base of an incremental copy: the base run's manifest, read forward in key order beside the bucket listing,
 * and the blobs that exist now. An object is reused only if the base holds it with the same size and ETag
 * <em>and</em> its blob is in the repository's listing; an unchanged object whose blob is missing (deleted, or
 * quarantined as damaged by a restore or drill) is copied again from the source: it heals the blob for this run
 * and for every older run that names it (blobs are content-addressed and shared). An entry whose blob lies in a pack
 * is reused if that pack is listed, or if the blob exists under its own key; otherwise it is copied again, under its
 * own key and not into a pack, where every reader of a run that names the missing pack finds it: that heals the
 * older runs too.
 */
public final class IncrementalBase {

    /** What to do with one listed object. */
    public enum Decision {
        /** Unchanged and its blob exists: reuse the base's entry. */
        REUSE,
        /** Unchanged, but its blob is not in the repository: copy it again (heals the blob). */
        HEAL,
        /** New or changed since the base: copy it. */
        COPY
    }

    private final Iterator<ManifestEntry> entries;
    private final BlobSet blobs;
    private final String blobPrefix;
    private final java.util.Map<String, Long> packs;
    private ManifestEntry current;

    /**
     * @param entries the base manifest in key order (empty without a base)
     * @param blobs the blobs listed under {@code blobPrefix}
     * @param blobPrefix {@code blobs/<store>/}: a base entry whose blob lies elsewhere cannot be confirmed
     */
    public IncrementalBase(Iterator<ManifestEntry> entries, BlobSet blobs, String blobPrefix) {
        this(entries, blobs, blobPrefix, java.util.Map.of());
    }

    /**
     * @param packs the store's packs as listed now ({@code packs/<store>/<uuid>}) with their sizes: a base entry whose
     *     blob lies in a pack is reused from it only if the pack is among them and reaches past the record's end
     */
    public IncrementalBase(
            Iterator<ManifestEntry> entries, BlobSet blobs, String blobPrefix, java.util.Map<String, Long> packs) {
        this.entries = entries == null ? Collections.emptyIterator() : entries;
        this.blobs = blobs;
        this.blobPrefix = blobPrefix;
        this.packs = packs;
        this.current = this.entries.hasNext() ? this.entries.next() : null;
    }

    /** No base: every object is copied. */
    public static IncrementalBase none() {
        return new IncrementalBase(null, null, "");
    }

    /**
     * Decides for the next listed object (call in listing order). After {@link Decision#REUSE}, {@link #entry()}
     * is the base's entry to write.
     */
    public Decision decide(String key, long size, String etag) {
        while (current != null && Manifests.KEY_ORDER.compare(current.key(), key) < 0) {
            current = entries.hasNext() ? entries.next() : null;
        }
        if (current == null
                || !current.key().equals(key)
                || current.size() != size
                || current.etag() == null
                || !current.etag().equals(etag)) {
            return Decision.COPY;
        }
        if (current.packed() && holds(packs.get(current.pack()), current)) {
            return current.blob() != null && current.blob().startsWith(blobPrefix) ? Decision.REUSE : Decision.HEAL;
        }
        if (blobs == null
                || current.blob() == null
                || !current.blob().startsWith(blobPrefix)
                || !blobs.contains(current.blob())) {
            return Decision.HEAL;
        }
        return Decision.REUSE;
    }

    /** Whether a pack of {@code size} bytes (null: not listed) holds the entry's record. */
    static boolean holds(Long size, ManifestEntry entry) {
        return io.lockstep.protocol.ArtifactLayout.packHolds(size, entry.offset(), entry.length());
    }

    /** The base's entry of the object last decided {@link Decision#REUSE} (or {@link Decision#HEAL}). */
    public ManifestEntry entry() {
        return current;
    }
}
