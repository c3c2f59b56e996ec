package io.lockstep.objectstore.backup;

import io.lockstep.agent.core.concurrent.Workers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * The blobs that exist under {@code blobs/<store>/}, from paginated listings, in bounded memory.
 * <p>
 * A manifest is in object-key order and the listing in blob-name order, so the two cannot be merged as streams;
 * the listing is held instead, compactly: a blob name is 64 hex digits (a SHA-256, or with encryption an
 * HMAC-SHA256 of it, see {@code repository/BlobNames}), kept as its first 128 bits in one sorted {@code long[]}:
 * 16 bytes a blob (16 MB for a million blobs) instead of about 150 bytes as a {@code String} in a set. Two names
 * sharing 128 bits is as likely as a hash collision (about n/2^128 per lookup). Any other name (a foreign file) is
 * kept whole in a small set. Lookups are a binary search.
 */
public final class BlobSet {

    private final long[] pairs; // hi, lo, hi, lo ... sorted as unsigned 128-bit numbers
    private final int size;
    private final Set<String> others;

    private BlobSet(long[] pairs, int size, Set<String> others) {
        this.pairs = pairs;
        this.size = size;
        this.others = others;
    }

    /** Reads names ({@code blobs/<store>/<name>} or bare names) as they come; sorts them if they come unsorted. */
    public static BlobSet of(Iterator<String> keys) {
        long[] pairs = new long[2 * 1024];
        int n = 0;
        boolean sorted = true;
        Set<String> others = new HashSet<>();
        while (keys.hasNext()) {
            String name = name(keys.next());
            if (!isHexName(name)) {
                others.add(name);
                continue;
            }
            long hi = Long.parseUnsignedLong(name.substring(0, 16), 16);
            long lo = Long.parseUnsignedLong(name.substring(16, 32), 16);
            if (2 * n + 2 > pairs.length) {
                pairs = Arrays.copyOf(pairs, pairs.length * 2);
            }
            if (n > 0 && compare(pairs[2 * n - 2], pairs[2 * n - 1], hi, lo) >= 0) {
                sorted = false;
            }
            pairs[2 * n] = hi;
            pairs[2 * n + 1] = lo;
            n++;
        }
        if (!sorted) {
            sort(pairs, 0, n - 1);
        }
        return new BlobSet(pairs, n, others);
    }

    /** The first digits of blob names, in key order: one listing each. */
    static final String HEX_DIGITS = "0123456789abcdef";

    /**
     * The blobs under {@code prefix} ({@code blobs/<store>/}), listed as sixteen listings at once, one per first hex
     * digit of the name. Blob names are hex (a SHA-256 or an HMAC of it), so the partitions are even and together hold
     * every blob Lockstep writes; a name that does not start with a lowercase hex digit (a foreign file, which no
     * manifest names) is not listed. Why: a listing is a sequence of pages, one request after the other, and an
     * S3-compatible server on a filesystem (S3Proxy here) walks the whole prefix for every page: 10,000 blobs took ten
     * walks of about 170 ms each in one listing, against sixteen walks of a sixteenth each.
     *
     * @throws io.lockstep.repository.RepositoryException when a listing fails
     */
    public static BlobSet listed(Function<String, Iterator<String>> listing, String prefix)
            throws InterruptedException {
        return listed(listing, prefix, -1);
    }

    /** Blobs fewer than this fit one page of a listing: one request instead of sixteen. */
    static final long ONE_PAGE = 1000;

    /**
     * As {@link #listed(Function, String)}, but as one listing when {@code expected} (how many blobs the prefix held
     * when last listed, or -1 when unknown) fits one page: sixteen requests for a handful of blobs cost more than the
     * one page they replace. The result is the same either way; only the number of requests differs.
     */
    public static BlobSet listed(Function<String, Iterator<String>> listing, String prefix, long expected)
            throws InterruptedException {
        if (expected >= 0 && expected < ONE_PAGE) {
            return of(listing.apply(prefix));
        }
        ExecutorService listers = Workers.start("blob-listing", HEX_DIGITS.length());
        try {
            List<Future<BlobSet>> parts = new ArrayList<>();
            for (char digit : HEX_DIGITS.toCharArray()) {
                parts.add(listers.submit(() -> of(listing.apply(prefix + digit))));
            }
            List<BlobSet> sets = new ArrayList<>();
            for (Future<BlobSet> part : parts) {
                try {
                    sets.add(part.get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException cause) {
                        throw cause;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
            return concat(sets);
        } finally {
            Workers.stop(listers);
        }
    }

    /** Sets whose names are in ascending, disjoint ranges, in that order, as one set. */
    static BlobSet concat(List<BlobSet> sets) {
        int n = 0;
        for (BlobSet set : sets) {
            n += set.size;
        }
        long[] pairs = new long[Math.max(2, 2 * n)];
        Set<String> others = new HashSet<>();
        int at = 0;
        for (BlobSet set : sets) {
            System.arraycopy(set.pairs, 0, pairs, 2 * at, 2 * set.size);
            at += set.size;
            others.addAll(set.others);
        }
        return new BlobSet(pairs, n, others);
    }

    /** Whether the blob ({@code blobs/<store>/<name>} or a bare name) was listed. */
    public boolean contains(String blob) {
        String name = name(blob);
        if (!isHexName(name)) {
            return others.contains(name);
        }
        long hi = Long.parseUnsignedLong(name.substring(0, 16), 16);
        long lo = Long.parseUnsignedLong(name.substring(16, 32), 16);
        int low = 0;
        int high = size - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int c = compare(pairs[2 * mid], pairs[2 * mid + 1], hi, lo);
            if (c < 0) {
                low = mid + 1;
            } else if (c > 0) {
                high = mid - 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /** How many blobs were listed. */
    public long size() {
        return size + others.size();
    }

    private static String name(String key) {
        int slash = key.lastIndexOf('/');
        return slash < 0 ? key : key.substring(slash + 1);
    }

    /** 64 lowercase hex digits, as every blob name Lockstep writes. */
    static boolean isHexName(String name) {
        if (name.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = name.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static int compare(long hi1, long lo1, long hi2, long lo2) {
        int c = Long.compareUnsigned(hi1, hi2);
        return c != 0 ? c : Long.compareUnsigned(lo1, lo2);
    }

    /** Quicksort of (hi, lo) pairs; only for listings that were not in key order (S3 lists sorted). */
    private static void sort(long[] a, int from, int to) {
        while (from < to) {
            int mid = (from + to) >>> 1;
            long ph = a[2 * mid];
            long pl = a[2 * mid + 1];
            int i = from;
            int j = to;
            while (i <= j) {
                while (compare(a[2 * i], a[2 * i + 1], ph, pl) < 0) {
                    i++;
                }
                while (compare(a[2 * j], a[2 * j + 1], ph, pl) > 0) {
                    j--;
                }
                if (i <= j) {
                    swap(a, i++, j--);
                }
            }
            if (j - from < to - i) { // recurse into the smaller part: bounded stack
                sort(a, from, j);
                from = i;
            } else {
                sort(a, i, to);
                to = j;
            }
        }
    }

    private static void swap(long[] a, int i, int j) {
        long h = a[2 * i];
        long l = a[2 * i + 1];
        a[2 * i] = a[2 * j];
        a[2 * i + 1] = a[2 * j + 1];
        a[2 * j] = h;
        a[2 * j + 1] = l;
    }
}
