package io.lockstep.objectstore.backup;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A source bucket's objects in key order (UTF-8 byte order, as S3 lists them), the order the manifest and the
 * incremental base are merged in, read ahead on threads of their own.
 *
 * <p>A listing is page after page, and on S3Proxy every page is a walk of the whole bucket: ten pages of a
 * 10,000-object bucket took 1.7 s one after the other, the bound of a backup where nothing changed. The key
 * distribution is not known in advance, so a listing records every {@link #MARK_EVERY}th key it returned
 * ({@link #marks}), and the next listing of the store splits the bucket at (at most {@link #MAX_RANGES} - 1 of) those
 * keys: the ranges (-inf, s1], (s1, s2], ..., (sn, +inf) are listed at once ({@code StartAfter} the lower bound, until
 * a key past the upper one) and read back one after the other. Every key falls in exactly one range whatever was added
 * or deleted since the marks were taken, so the result is what one listing returns; a split point that no longer
 * exists is only a bound. Without marks (this agent's first listing of the store) it is one listing. Each range reads
 * ahead at most its share of the read-ahead, and at least a page.
 */
final class SourceListing implements Iterator<S3Object>, AutoCloseable {

    /** One mark every this many keys: a page of ListObjectsV2. */
    static final int MARK_EVERY = 1000;
    /** At most this many ranges listed at once. */
    static final int MAX_RANGES = 16;

    private final List<ReadAhead<S3Object>> ranges = new ArrayList<>();
    private int current;
    private final List<String> marks = new ArrayList<>();
    private long returned;
    private String last;

    private SourceListing() {}

    /**
     * Starts listing {@code bucket} under {@code prefix}, split at the marks of an earlier listing of the same bucket
     * and prefix (empty: one listing).
     */
    static SourceListing open(
            S3Client s3, String bucket, String prefix, List<String> earlierMarks, int readAhead, String name) {
        List<String> splits = splits(earlierMarks);
        SourceListing listing = new SourceListing();
        int share = Math.max(MARK_EVERY, readAhead / (splits.size() + 1));
        try {
            for (int i = 0; i <= splits.size(); i++) {
                String after = i == 0 ? null : splits.get(i - 1);
                String upTo = i == splits.size() ? null : splits.get(i);
                listing.ranges.add(new ReadAhead<>(new Range(s3, bucket, prefix, after, upTo), share, name + "-" + i));
            }
        } catch (RuntimeException e) {
            listing.close();
            throw e;
        }
        return listing;
    }

    /** At most {@link #MAX_RANGES} - 1 split points, evenly spaced among the marks. */
    static List<String> splits(List<String> marks) {
        int step = Math.max(1, (marks.size() + MAX_RANGES - 2) / (MAX_RANGES - 1));
        List<String> splits = new ArrayList<>();
        for (int i = step - 1; i < marks.size(); i += step) {
            splits.add(marks.get(i));
        }
        return splits;
    }

    /**
     * The keys of {@code bucket} under {@code prefix} after {@code after} (null: from the start) up to and including
     * {@code upTo} (null: to the end), page by page. A page that reaches the upper bound is the range's last: an
     * unchanged range of {@link #MARK_EVERY} keys is one request, not two.
     */
    private static final class Range implements Iterator<S3Object> {
        private final S3Client s3;
        private final String bucket;
        private final String prefix;
        private final String after;
        private final String upTo;
        private Iterator<S3Object> page = Collections.emptyIterator();
        private String token;
        private boolean more = true;
        private S3Object next;

        Range(S3Client s3, String bucket, String prefix, String after, String upTo) {
            this.s3 = s3;
            this.bucket = bucket;
            this.prefix = prefix;
            this.after = after;
            this.upTo = upTo;
        }

        @Override
        public boolean hasNext() {
            while (next == null) {
                if (page.hasNext()) {
                    S3Object object = page.next();
                    if (upTo != null && Manifests.KEY_ORDER.compare(object.key(), upTo) > 0) {
                        page = Collections.emptyIterator();
                        more = false;
                    } else {
                        next = object;
                    }
                } else if (more) {
                    fetch();
                } else {
                    return false;
                }
            }
            return true;
        }

        private void fetch() {
            ListObjectsV2Response response = s3.listObjectsV2(b -> {
                b.bucket(bucket).prefix(prefix);
                if (token != null) {
                    b.continuationToken(token);
                } else if (after != null) {
                    b.startAfter(after);
                }
            });
            List<S3Object> contents = response.contents();
            page = contents.iterator();
            token = response.nextContinuationToken();
            more = Boolean.TRUE.equals(response.isTruncated())
                    && token != null
                    && (upTo == null
                            || contents.isEmpty()
                            || Manifests.KEY_ORDER.compare(
                                            contents.get(contents.size() - 1).key(), upTo)
                                    < 0);
        }

        @Override
        public S3Object next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            S3Object object = next;
            next = null;
            return object;
        }
    }

    @Override
    public boolean hasNext() {
        while (current < ranges.size()) {
            if (ranges.get(current).hasNext()) {
                return true;
            }
            current++;
        }
        return false;
    }

    @Override
    public S3Object next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        S3Object object = ranges.get(current).next();
        last = object.key();
        if (++returned % MARK_EVERY == 0) {
            marks.add(last);
        }
        return object;
    }

    /**
     * The marks for the store's next listing: every {@link #MARK_EVERY}th key returned, without the last key (a split
     * there would only add an empty range). Complete once the listing was read to its end.
     */
    List<String> marks() {
        List<String> taken = new ArrayList<>(marks);
        if (!taken.isEmpty() && taken.get(taken.size() - 1).equals(last)) {
            taken.remove(taken.size() - 1);
        }
        return List.copyOf(taken);
    }

    /** How many ranges are listed at once (for tests). */
    int ranges() {
        return ranges.size();
    }

    @Override
    public void close() {
        ranges.forEach(ReadAhead::close);
    }
}
