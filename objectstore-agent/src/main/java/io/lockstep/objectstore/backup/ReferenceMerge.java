package io.lockstep.objectstore.backup;

import java.util.Iterator;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Resolves cross-store reference keys against keys that exist (a manifest's, or a restored bucket's listing): both
 * sorted in S3's key order, walked side by side, neither held in memory. A key several rows reference counts once.
 */
public final class ReferenceMerge {

    /**
     * @param references distinct reference keys
     * @param dangling reference keys with no existing key
     * @param unreferenced existing keys no reference names (counted only when asked)
     */
    public record Counts(long references, long dangling, long unreferenced) {}

    private ReferenceMerge() {}

    /**
     * Merges sorted references (duplicates adjacent, as the reference query writes them) with sorted existing keys.
     *
     * @param toKey maps a reference to the existing key it names (a restore under another prefix maps it there)
     * @param countUnreferenced also count existing keys no reference names; this reads {@code existing} to its end
     * @param onDangling called with each dangling reference, in order
     */
    public static Counts merge(
            Iterator<String> references,
            Iterator<String> existing,
            UnaryOperator<String> toKey,
            boolean countUnreferenced,
            Consumer<String> onDangling) {
        long distinct = 0;
        long dangling = 0;
        long unreferenced = 0;
        String current = existing.hasNext() ? existing.next() : null;
        boolean currentUsed = false;
        String previous = null;
        while (references.hasNext()) {
            String reference = references.next();
            if (reference.equals(previous)) {
                continue; // the same key referenced by several rows
            }
            previous = reference;
            distinct++;
            String key = toKey.apply(reference);
            while (current != null && Manifests.KEY_ORDER.compare(current, key) < 0) {
                unreferenced += currentUsed ? 0 : 1;
                current = existing.hasNext() ? existing.next() : null;
                currentUsed = false;
            }
            if (current != null && current.equals(key)) {
                currentUsed = true;
            } else {
                dangling++;
                onDangling.accept(reference);
            }
        }
        if (countUnreferenced) {
            while (current != null) {
                unreferenced += currentUsed ? 0 : 1;
                current = existing.hasNext() ? existing.next() : null;
                currentUsed = false;
            }
        }
        return new Counts(distinct, dangling, unreferenced);
    }

    /** The keys of an iterator of values, as they are read. */
    public static <T> Iterator<String> keys(Iterator<T> values, java.util.function.Function<T, String> key) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return values.hasNext();
            }

            @Override
            public String next() {
                return key.apply(values.next());
            }
        };
    }
}
