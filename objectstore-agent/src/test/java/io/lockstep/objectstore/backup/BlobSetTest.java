package io.lockstep.objectstore.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.repository.Hashing;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlobSetTest {

    static String sha(String content) {
        MessageDigest digest = Hashing.sha256();
        digest.update(content.getBytes(StandardCharsets.UTF_8));
        return Hashing.hex(digest);
    }

    @Test
    void findsWhatTheListingHeldAndNothingElse() {
        List<String> listed = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            listed.add("blobs/media/" + sha("object " + i));
        }
        Collections.sort(listed); // S3's order
        BlobSet blobs = BlobSet.of(listed.iterator());

        assertEquals(5000, blobs.size());
        for (int i = 0; i < 5000; i++) {
            assertTrue(blobs.contains("blobs/media/" + sha("object " + i)), "object " + i);
            assertFalse(blobs.contains("blobs/media/" + sha("other " + i)), "other " + i);
        }
    }

    @Test
    void sixteenListingsOneForEachFirstDigitFindWhatOneListingWould() throws Exception {
        java.util.TreeSet<String> stored = new java.util.TreeSet<>();
        for (int i = 0; i < 5000; i++) {
            stored.add("blobs/media/" + sha("object " + i));
        }
        stored.add("blobs/media/foreign-file"); // not a blob name, but its first letter is a hex digit: kept whole
        stored.add("blobs/media/zz-foreign"); // no listing of a hex digit holds it
        List<String> prefixes = java.util.Collections.synchronizedList(new ArrayList<>());
        BlobSet blobs = BlobSet.listed(
                prefix -> {
                    prefixes.add(prefix);
                    return stored.subSet(prefix, prefix + Character.MAX_VALUE).iterator();
                },
                "blobs/media/");

        assertEquals(16, prefixes.size());
        assertTrue(prefixes.contains("blobs/media/0") && prefixes.contains("blobs/media/f"), prefixes::toString);
        assertEquals(5001, blobs.size());
        for (int i = 0; i < 5000; i++) {
            assertTrue(blobs.contains("blobs/media/" + sha("object " + i)), "object " + i);
            assertFalse(blobs.contains("blobs/media/" + sha("other " + i)), "other " + i);
        }
        assertTrue(blobs.contains("blobs/media/foreign-file"));
        assertFalse(blobs.contains("blobs/media/zz-foreign"));
    }

    @Test
    void aPrefixLastSeenWithFewerBlobsThanAPageIsListedOnceAndOtherwiseSixteenWays() throws Exception {
        java.util.TreeSet<String> stored = new java.util.TreeSet<>();
        for (int i = 0; i < 40; i++) {
            stored.add("blobs/media/" + sha("object " + i));
        }
        for (long expected : new long[] {0, 40, BlobSet.ONE_PAGE - 1, BlobSet.ONE_PAGE, -1}) {
            List<String> prefixes = java.util.Collections.synchronizedList(new ArrayList<>());
            BlobSet blobs = BlobSet.listed(
                    prefix -> {
                        prefixes.add(prefix);
                        return stored.subSet(prefix, prefix + Character.MAX_VALUE)
                                .iterator();
                    },
                    "blobs/media/",
                    expected);

            if (expected >= 0 && expected < BlobSet.ONE_PAGE) {
                assertEquals(List.of("blobs/media/"), prefixes, "expected " + expected);
            } else {
                assertEquals(16, prefixes.size(), "expected " + expected);
            }
            assertEquals(40, blobs.size(), "expected " + expected);
            for (int i = 0; i < 40; i++) {
                assertTrue(blobs.contains("blobs/media/" + sha("object " + i)), "object " + i);
            }
        }
    }

    @Test
    void aFailingListingFailsTheWhole() {
        var failure = org.junit.jupiter.api.Assertions.assertThrows(
                io.lockstep.repository.RepositoryException.class,
                () -> BlobSet.listed(
                        prefix -> {
                            if (prefix.endsWith("7")) {
                                throw new io.lockstep.repository.RepositoryException("listing refused");
                            }
                            return Collections.emptyIterator();
                        },
                        "blobs/media/"));
        assertEquals("listing refused", failure.getMessage());
    }

    @Test
    void anUnsortedListingIsSortedFirst() {
        List<String> listed = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            listed.add(sha("object " + i));
        }
        Collections.shuffle(listed, new Random(17));
        BlobSet blobs = BlobSet.of(listed.iterator());
        for (String name : listed) {
            assertTrue(blobs.contains("blobs/s/" + name), name);
        }
        assertFalse(blobs.contains(sha("absent")));
    }

    @Test
    void namesAreComparedAsUnsignedAndOnTheirFirst128Bits() {
        String zeros = "0".repeat(64);
        String high = "f" + "0".repeat(63); // the sign bit set: must sort after zeros
        String sameHi = "0".repeat(16) + "1" + "0".repeat(47); // differs from zeros in the second 64 bits
        BlobSet blobs = BlobSet.of(List.of(zeros, sameHi, high).iterator());

        assertTrue(blobs.contains(zeros));
        assertTrue(blobs.contains(sameHi));
        assertTrue(blobs.contains(high));
        assertFalse(blobs.contains("0".repeat(16) + "2" + "0".repeat(47)));
        assertFalse(blobs.contains("e" + "f".repeat(63)));
    }

    @Test
    void foreignNamesAreKeptWhole() {
        BlobSet blobs = BlobSet.of(
                List.of("blobs/s/README", "blobs/s/" + "A".repeat(64)).iterator());

        assertTrue(blobs.contains("blobs/s/README"));
        assertTrue(blobs.contains("blobs/s/" + "A".repeat(64)), "upper-case hex is not a name Lockstep writes");
        assertFalse(blobs.contains("blobs/s/" + "a".repeat(64)));
        assertEquals(2, blobs.size());
    }

    @Test
    void anEmptyListingHoldsNothing() {
        assertFalse(BlobSet.of(Collections.emptyIterator()).contains(sha("x")));
    }
}
