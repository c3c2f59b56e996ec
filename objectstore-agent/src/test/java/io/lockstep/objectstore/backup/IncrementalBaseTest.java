package io.lockstep.objectstore.backup;

import static io.lockstep.objectstore.backup.BlobSetTest.sha;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lockstep.objectstore.backup.IncrementalBase.Decision;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The merge of a base manifest (key order) with the listing of the store's blobs. */
class IncrementalBaseTest {

    static ManifestEntry entry(String key, long size, String etag) {
        String sha = sha(key + etag);
        return new ManifestEntry(key, size, etag, sha, "blobs/media/" + sha);
    }

    @Test
    void anUnchangedObjectIsReusedOnlyIfItsBlobIsListed() {
        List<ManifestEntry> base =
                List.of(entry("a", 1, "e1"), entry("b", 2, "e2"), entry("c", 3, "e3"), entry("d", 4, "e4"));
        // the blob of b was deleted, the one of d replaced by a foreign file
        BlobSet blobs = BlobSet.of(List.of(base.get(0).blob(), base.get(2).blob(), "blobs/media/d-was-here")
                .iterator());
        IncrementalBase walk = new IncrementalBase(base.iterator(), blobs, "blobs/media/");

        assertEquals(Decision.REUSE, walk.decide("a", 1, "e1"));
        assertEquals(base.get(0), walk.entry());
        assertEquals(Decision.HEAL, walk.decide("b", 2, "e2"));
        assertEquals(Decision.REUSE, walk.decide("c", 3, "e3"));
        assertEquals(Decision.HEAL, walk.decide("d", 4, "e4"));
    }

    @Test
    void newChangedAndDeletedObjectsFollowTheListing() {
        List<ManifestEntry> base =
                List.of(entry("a", 1, "e1"), entry("b", 2, "e2"), entry("d", 4, "e4"), entry("f", 6, "e6"));
        BlobSet blobs =
                BlobSet.of(base.stream().map(ManifestEntry::blob).sorted().iterator());
        IncrementalBase walk = new IncrementalBase(base.iterator(), blobs, "blobs/media/");

        List<Decision> decisions = new ArrayList<>();
        decisions.add(walk.decide("a", 1, "e1")); // unchanged
        decisions.add(walk.decide("b", 2, "e2-new")); // another ETag
        decisions.add(walk.decide("c", 3, "e3")); // new; d was deleted from the bucket
        decisions.add(walk.decide("f", 7, "e6")); // another size
        decisions.add(walk.decide("g", 1, "e7")); // past the end of the base
        assertEquals(List.of(Decision.REUSE, Decision.COPY, Decision.COPY, Decision.COPY, Decision.COPY), decisions);
    }

    @Test
    void keysAreInS3ByteOrderNotJavaStringOrder() {
        // U+FF5E (EF BD 9E) sorts before U+1F600 (F0 9F 98 80) in UTF-8 bytes, as S3 lists and the manifest is
        // written, but after it in Java's UTF-16 order (FF5E > D83D): a walk in Java's order would miss the second.
        String bmp = "\uFF5E";
        String astral = "\uD83D\uDE00";
        List<ManifestEntry> base = List.of(entry(bmp, 1, "x"), entry(astral, 1, "y"));
        BlobSet blobs =
                BlobSet.of(base.stream().map(ManifestEntry::blob).sorted().iterator());
        IncrementalBase walk = new IncrementalBase(base.iterator(), blobs, "blobs/media/");

        assertEquals(Decision.REUSE, walk.decide(bmp, 1, "x"));
        assertEquals(Decision.REUSE, walk.decide(astral, 1, "y"));
    }

    @Test
    void aBlobOutsideTheStoresPrefixCannotBeConfirmed() {
        ManifestEntry elsewhere = new ManifestEntry("a", 1, "e1", sha("a"), "blobs/other/" + sha("a"));
        BlobSet blobs = BlobSet.of(List.of(sha("a")).iterator());
        IncrementalBase walk = new IncrementalBase(List.of(elsewhere).iterator(), blobs, "blobs/media/");

        assertEquals(Decision.HEAL, walk.decide("a", 1, "e1"));
    }

    @Test
    void withoutABaseEverythingIsCopied() {
        IncrementalBase none = IncrementalBase.none();
        assertEquals(Decision.COPY, none.decide("a", 1, "e1"));
        assertEquals(Decision.COPY, none.decide("b", 1, null));
    }

    @Test
    void anObjectWithoutAnEtagIsNeverReused() {
        ManifestEntry noEtag = new ManifestEntry("a", 1, null, sha("a"), "blobs/media/" + sha("a"));
        IncrementalBase walk = new IncrementalBase(
                List.of(noEtag).iterator(), BlobSet.of(List.of(noEtag.blob()).iterator()), "blobs/media/");
        assertEquals(Decision.COPY, walk.decide("a", 1, null));
    }
}
