package io.lockstep.objectstore.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReferenceMergeTest {

    private final List<String> dangling = new ArrayList<>();

    private ReferenceMerge.Counts merge(List<String> references, List<String> existing, boolean countUnreferenced) {
        return ReferenceMerge.merge(
                references.iterator(), existing.iterator(), r -> r, countUnreferenced, dangling::add);
    }

    @Test
    void everyReferencedKeyPresentMeansNoDanglingReference() {
        var counts = merge(List.of("a", "b"), List.of("a", "b"), true);
        assertEquals(new ReferenceMerge.Counts(2, 0, 0), counts);
        assertEquals(List.of(), dangling);
    }

    @Test
    void aKeyReferencedByManyRowsCountsOnce() {
        assertEquals(new ReferenceMerge.Counts(2, 0, 0), merge(List.of("a", "a", "a", "b"), List.of("a", "b"), true));
    }

    @Test
    void referencesWithoutAnObjectAreDanglingAndReportedInOrder() {
        var counts = merge(List.of("a", "c", "e"), List.of("b", "c", "d"), true);
        assertEquals(3, counts.references());
        assertEquals(2, counts.dangling());
        assertEquals(List.of("a", "e"), dangling);
    }

    @Test
    void objectsNoReferenceNamesAreCountedAsUnreferencedBeforeBetweenAndAfterTheReferences() {
        var counts = merge(List.of("c", "e"), List.of("a", "b", "c", "d", "e", "f", "g"), true);
        assertEquals(new ReferenceMerge.Counts(2, 0, 5), counts);
    }

    @Test
    void withoutCountingUnreferencedTheExistingKeysAreNotReadPastTheLastReference() {
        Iterator<String> existing = List.of("a", "b", "z1", "z2").iterator();
        var counts = ReferenceMerge.merge(List.of("b").iterator(), existing, r -> r, false, dangling::add);
        assertEquals(new ReferenceMerge.Counts(1, 0, 1), counts);
        assertEquals("z1", existing.next(), "the listing after the last reference was left unread");
    }

    @Test
    void referencesAreMappedToTheKeysTheyNameBeforeTheyAreLookedUp() {
        var counts = ReferenceMerge.merge(
                List.of("media/a", "media/b").iterator(),
                List.of(".lockstep-drill/t/a").iterator(),
                r -> ".lockstep-drill/t/" + r.substring("media/".length()),
                false,
                dangling::add);
        assertEquals(new ReferenceMerge.Counts(2, 1, 0), counts);
        assertEquals(List.of("media/b"), dangling, "a dangling reference is reported as the database holds it");
    }

    @Test
    void keysAreComparedInS3OrderNotJavasSoNonAsciiKeysStillMatch() {
        // In UTF-16 order "\uE000" < "\uD83D\uDE00" is false; in UTF-8 order it is true, as S3 and COLLATE "C" sort.
        List<String> sorted = List.of("\uE000", "\uD83D\uDE00");
        var counts = merge(sorted, sorted, true);
        assertEquals(new ReferenceMerge.Counts(2, 0, 0), counts);
    }

    @Test
    void noReferencesLeaveEveryObjectUnreferenced() {
        assertEquals(new ReferenceMerge.Counts(0, 0, 2), merge(List.of(), List.of("a", "b"), true));
        assertFalse(dangling.iterator().hasNext());
    }

    @Test
    void keysOfValuesAreReadAsTheValuesAre() {
        Iterator<String> keys = ReferenceMerge.keys(
                List.of(new ManifestEntry("k1", 1, null, "s", "b")).iterator(), ManifestEntry::key);
        assertEquals("k1", keys.next());
        assertFalse(keys.hasNext());
    }
}
