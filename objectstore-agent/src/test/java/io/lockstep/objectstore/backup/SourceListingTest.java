package io.lockstep.objectstore.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A listing split at an earlier listing's marks returns exactly what one listing returns, in S3's key order, whatever
 * was added or deleted since (keys before the first split point, at one, between, after the last; a deleted split
 * point; keys whose UTF-8 order differs from Java's string order), and within the prefix only.
 */
class SourceListingTest {

    static final String BUCKET = "source";
    static final String PREFIX = "media/";

    final InMemoryS3 s3 = InMemoryS3.create(100); // pages of 100: each range takes several
    final S3Client client = s3.client();

    NavigableMap<String, byte[]> bucket() {
        return s3.bucket(BUCKET);
    }

    static List<String> keys(SourceListing listing) {
        List<String> keys = new ArrayList<>();
        try (listing) {
            listing.forEachRemaining(o -> keys.add(o.key()));
        }
        return keys;
    }

    SourceListing open(List<String> marks) {
        return SourceListing.open(client, BUCKET, PREFIX, marks, 10_000, "test");
    }

    @Test
    void aSplitListingReturnsWhatOneListingReturnsAfterChangesAnywhere() {
        IntStream.range(0, 5500).forEach(i -> bucket().put(PREFIX + String.format("k%05d", i * 2), new byte[] {1}));
        bucket().put("elsewhere/k00001", new byte[] {1}); // outside the prefix, before and after it
        bucket().put("other/k99999", new byte[] {1});
        SourceListing first = open(List.of());
        List<String> before = keys(first);
        assertEquals(1, first.ranges(), "no marks: one listing");
        assertEquals(5500, before.size());
        List<String> marks = first.marks();
        assertEquals(5, marks.size(), "every 1000th key");
        assertEquals(PREFIX + "k01998", marks.get(0));

        bucket().put(PREFIX + "a-before-everything", new byte[] {1});
        bucket().put(PREFIX + "k01998x", new byte[] {1}); // just after a split point
        bucket().put(PREFIX + "k01997", new byte[] {1}); // just before one
        bucket().remove(PREFIX + "k03998"); // a split point itself
        bucket().put(PREFIX + "z-after-everything", new byte[] {1});
        bucket().put(PREFIX + "k05998\uFFFD", new byte[] {1}); // U+FFFD sorts before U+1F600 in Java, after in UTF-8
        bucket().put(PREFIX + "k05998\uD83D\uDE00", new byte[] {1});
        bucket().remove(PREFIX + "k00000");

        SourceListing split = open(marks);
        assertEquals(6, split.ranges());
        List<String> listed = keys(split);
        assertEquals(keys(open(List.of())), listed, "the same keys in the same order as one listing");
        assertEquals(List.copyOf(bucket().subMap(PREFIX, PREFIX + "\uFFFF").keySet()), listed);
        assertEquals(PREFIX + "k05998\uFFFD", listed.get(listed.indexOf(PREFIX + "k05998\uD83D\uDE00") - 1));
    }

    @Test
    void theLastKeyIsNoMarkAndABucketOfOnePageHasNone() {
        IntStream.range(0, 2000).forEach(i -> bucket().put(PREFIX + String.format("k%05d", i), new byte[] {1}));
        SourceListing listing = open(List.of());
        keys(listing);
        assertEquals(List.of(PREFIX + "k00999"), listing.marks(), "the 2000th key is the last: a split there is empty");

        bucket().clear();
        IntStream.range(0, 999).forEach(i -> bucket().put(PREFIX + String.format("k%05d", i), new byte[] {1}));
        SourceListing small = open(List.of());
        keys(small);
        assertEquals(List.of(), small.marks());
    }

    @Test
    void aRangeFetchesNoPagePastItsUpperBound() {
        IntStream.range(0, 3000).forEach(i -> bucket().put(PREFIX + String.format("k%05d", i), new byte[] {1}));
        SourceListing first = open(List.of());
        keys(first);
        int before = s3.requests.get();
        List<String> listed = keys(open(first.marks()));
        assertEquals(3000, listed.size());
        // 3 ranges of 1000 keys, pages of 100: 10 pages each; the page that reaches a range's bound is its last.
        assertEquals(30, s3.requests.get() - before, "pages fetched");
    }

    @Test
    void splitPointsAreAtMostFifteenEvenlySpacedMarks() {
        assertEquals(List.of(), SourceListing.splits(List.of()));
        List<String> nine = IntStream.range(0, 9).mapToObj(i -> "m" + i).toList();
        assertEquals(nine, SourceListing.splits(nine));
        List<String> fifteen = IntStream.range(0, 15).mapToObj(i -> "m" + i).toList();
        assertEquals(fifteen, SourceListing.splits(fifteen));
        for (int marks : new int[] {16, 30, 31, 100, 10_000}) {
            List<String> all = IntStream.range(0, marks)
                    .mapToObj(i -> String.format("m%05d", i))
                    .toList();
            List<String> splits = SourceListing.splits(all);
            assertTrue(splits.size() <= 15 && splits.size() >= 7, marks + " marks: " + splits.size() + " splits");
            assertEquals(all.stream().filter(splits::contains).toList(), splits, "in order");
        }
    }
}
