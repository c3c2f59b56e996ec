package io.lockstep.coordinator.retention;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A set of blob keys ({@code blobs/<store>/<name>}) held compactly: the blobs the manifests name for the blob
 * collector, the blobs listed and read by the repository check: per store, the
 * first 64 bits of each hex name in a sorted {@code long[]} (8 bytes a blob, compacted as it fills, so at most about
 * 32 bytes a distinct blob while adding, whatever the number of manifests that repeat it), looked up by binary
 * search. A name that is not hex (never written by the agents) is kept as a string.
 * <p>
 * Two names sharing their first 64 bits answer alike: an unreachable blob may then be taken for reachable and kept,
 * never the other way round (for a million reachable and a million unreachable blobs, the chance that any is kept so
 * is about 1 in 20 million).
 */
public final class ReachableBlobs {

    private static final int FIRST_CAPACITY = 1024;

    private final Map<String, Prefixes> byStore = new HashMap<>();
    private final Set<String> other = new HashSet<>();

    public void add(String blobKey) {
        String[] parts = blobKey.split("/", 3);
        if (parts.length != 3 || !parts[0].equals("blobs") || !hexName(parts[2])) {
            other.add(blobKey);
            return;
        }
        byStore.computeIfAbsent(parts[1], s -> new Prefixes()).add(prefix(parts[2]));
    }

    public boolean contains(String blobKey) {
        if (other.contains(blobKey)) {
            return true;
        }
        String[] parts = blobKey.split("/", 3);
        if (parts.length != 3 || !parts[0].equals("blobs") || !hexName(parts[2])) {
            return false;
        }
        Prefixes store = byStore.get(parts[1]);
        return store != null && store.contains(prefix(parts[2]));
    }

    /** Distinct blobs held (names sharing 64 bits count once). */
    public int size() {
        return other.size()
                + byStore.values().stream().mapToInt(Prefixes::distinct).sum();
    }

    private static boolean hexName(String name) {
        if (name.length() < 16) {
            return false;
        }
        for (int i = 0; i < 16; i++) {
            if (Character.digit(name.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static long prefix(String name) {
        return Long.parseUnsignedLong(name.substring(0, 16), 16);
    }

    /** A growable array of longs, sorted and de-duplicated when full and before lookups. */
    private static final class Prefixes {
        private long[] values = new long[FIRST_CAPACITY];
        private int size;
        private boolean sorted = true;

        void add(long value) {
            if (size == values.length) {
                compact();
                if (size > values.length / 2) {
                    values = Arrays.copyOf(values, values.length * 2);
                }
            }
            values[size++] = value;
            sorted = false;
        }

        boolean contains(long value) {
            compact();
            return Arrays.binarySearch(values, 0, size, value) >= 0;
        }

        int distinct() {
            compact();
            return size;
        }

        private void compact() {
            if (sorted) {
                return;
            }
            Arrays.sort(values, 0, size);
            int kept = 0;
            for (int i = 0; i < size; i++) {
                if (kept == 0 || values[kept - 1] != values[i]) {
                    values[kept++] = values[i];
                }
            }
            size = kept;
            sorted = true;
        }
    }
}
