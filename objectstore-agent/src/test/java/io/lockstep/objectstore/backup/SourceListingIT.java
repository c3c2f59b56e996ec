package io.lockstep.objectstore.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lockstep.repository.LocalS3Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/**
 * A source listing split at an earlier listing's marks against the real S3-compatible server (S3Proxy, started by
 * deploy/local/up): its {@code StartAfter} and continuation tokens give, range by range, exactly what one listing
 * gives after keys were added at and around the split points, a split point was deleted, and one range grew past a
 * page.
 */
class SourceListingIT {

    static final String BUCKET =
            "source-listing-it-" + UUID.randomUUID().toString().substring(0, 8);
    static final String PREFIX = "media/";
    static S3Client s3;
    static ExecutorService puts = Executors.newFixedThreadPool(16);

    @BeforeAll
    static void connect() {
        s3 = LocalS3Proxy.client(16, Duration.ofSeconds(30));
        s3.createBucket(b -> b.bucket(BUCKET));
    }

    @AfterAll
    static void removeBucket() {
        puts.shutdownNow();
        List<String> keys = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(BUCKET)).contents().forEach(o -> keys.add(o.key()));
        for (int i = 0; i < keys.size(); i += 1000) {
            List<ObjectIdentifier> batch = keys.subList(i, Math.min(keys.size(), i + 1000)).stream()
                    .map(k -> ObjectIdentifier.builder().key(k).build())
                    .toList();
            s3.deleteObjects(
                    b -> b.bucket(BUCKET).delete(Delete.builder().objects(batch).build()));
        }
        s3.deleteBucket(b -> b.bucket(BUCKET));
        s3.close();
    }

    static void put(List<String> keys) throws Exception {
        List<Future<?>> pending = new ArrayList<>();
        for (String key : keys) {
            pending.add(puts.submit(() -> s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString(key))));
        }
        for (Future<?> put : pending) {
            put.get();
        }
    }

    static List<String> list(List<String> marks, SourceListing[] opened) {
        SourceListing listing = SourceListing.open(s3, BUCKET, PREFIX, marks, 10_000, "it");
        opened[0] = listing;
        List<String> keys = new ArrayList<>();
        try (listing) {
            listing.forEachRemaining(o -> keys.add(o.key()));
        }
        return keys;
    }

    @Test
    void aSplitListingMatchesOneListingOnARealServer() throws Exception {
        put(IntStream.range(0, 2500)
                .mapToObj(i -> PREFIX + String.format("k%05d", i * 10))
                .toList());
        put(List.of("elsewhere/k00001", "zzz/k00001")); // outside the prefix
        SourceListing[] opened = new SourceListing[1];
        List<String> first = list(List.of(), opened);
        assertEquals(2500, first.size());
        List<String> marks = opened[0].marks();
        assertEquals(List.of(PREFIX + "k09990", PREFIX + "k19990"), marks);

        List<String> added = new ArrayList<>(
                List.of(PREFIX + "a-first", PREFIX + "k09990-after-a-split", PREFIX + "k09989", PREFIX + "zz-last"));
        // The middle range grows past a page: StartAfter on its first page, a continuation token on the next.
        IntStream.range(0, 1200).forEach(i -> added.add(PREFIX + String.format("k1%04d-new", i)));
        put(added);
        s3.deleteObject(b -> b.bucket(BUCKET).key(PREFIX + "k19990")); // a split point

        List<String> split = list(marks, opened);
        assertEquals(3, opened[0].ranges());
        List<String> whole = list(List.of(), opened);
        assertEquals(2500 + added.size() - 1, whole.size());
        assertEquals(whole, split, "the same keys in the same order as one listing");
    }
}
