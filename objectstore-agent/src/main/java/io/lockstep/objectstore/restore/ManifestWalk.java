package io.lockstep.objectstore.restore;

import io.lockstep.objectstore.backup.ManifestEntry;
import io.lockstep.objectstore.backup.Manifests;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.concurrent.ExecutionException;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Walks a manifest and a target listing side by side in S3's key order, without holding either: every manifest
 * entry is met with the target's object under its key (or none), every other object of the target as an extra.
 * Restores, dry runs and drill checks are visitors of the same walk.
 */
final class ManifestWalk {

    /** What a walk of a manifest beside a target listing meets. */
    interface Visitor {
        /** A manifest entry, its key in the target, and the target's object under that key or null. */
        void entry(ManifestEntry entry, String key, S3Object live) throws ExecutionException, InterruptedException;

        /** An object of the target whose key the manifest does not hold. */
        void extra(S3Object live) throws IOException;
    }

    private ManifestWalk() {}

    /** Walks a manifest stream beside the listing of a restore's target (its bucket, under its prefix). */
    static void walk(InputStream manifest, S3Client s3, BucketRestore.Target target, Visitor visitor)
            throws IOException, ExecutionException, InterruptedException {
        walk(
                Manifests.entries(manifest),
                BucketRestore.listing(s3, target.bucket(), target.prefix()),
                target::map,
                visitor);
    }

    /**
     * @param targetKey maps a key as the manifest recorded it to its key in the target (identity in place)
     */
    static void walk(
            Iterator<ManifestEntry> manifest,
            Iterator<S3Object> listing,
            UnaryOperator<String> targetKey,
            Visitor visitor)
            throws IOException, ExecutionException, InterruptedException {
        S3Object current = listing.hasNext() ? listing.next() : null;
        while (manifest.hasNext()) {
            ManifestEntry entry = manifest.next();
            String key = targetKey.apply(entry.key());
            while (current != null && Manifests.KEY_ORDER.compare(current.key(), key) < 0) {
                visitor.extra(current);
                current = listing.hasNext() ? listing.next() : null;
            }
            if (current != null && current.key().equals(key)) {
                visitor.entry(entry, key, current);
                current = listing.hasNext() ? listing.next() : null;
            } else {
                visitor.entry(entry, key, null);
            }
        }
        while (current != null) {
            visitor.extra(current);
            current = listing.hasNext() ? listing.next() : null;
        }
    }
}
