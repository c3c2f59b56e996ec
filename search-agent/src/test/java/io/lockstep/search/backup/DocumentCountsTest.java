package io.lockstep.search.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DocumentCountsTest {

    @Test
    void countsAreWrittenAsIndexEqualsCountPairsInTheirOrder() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("products", 1200L);
        counts.put("orders", 0L);
        assertEquals("products=1200,orders=0", DocumentCounts.encode(counts));
        assertEquals("", DocumentCounts.encode(Map.of()));
    }

    @Test
    void decodingWhatWasEncodedGivesTheSameCountsInTheSameOrder() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("zeta", 3L);
        counts.put("alpha", 9_000_000_000L);
        Map<String, Long> decoded = DocumentCounts.decode(DocumentCounts.encode(counts));
        assertEquals(counts, decoded);
        assertEquals(List.of("zeta", "alpha"), List.copyOf(decoded.keySet()));
    }

    @Test
    void anIndexNameContainingEqualsIsSplitAtTheLastEquals() {
        assertEquals(Map.of("a=b", 4L), DocumentCounts.decode("a=b=4"));
    }

    @Test
    void emptyTextAndPairsWithoutAnIndexNameGiveNoCounts() {
        assertTrue(DocumentCounts.decode("").isEmpty());
        assertEquals(Map.of("x", 1L), DocumentCounts.decode("=5,x=1,junk"));
    }

    @Test
    void aCountThatIsNoNumberIsRefused() {
        assertThrows(NumberFormatException.class, () -> DocumentCounts.decode("products=many"));
    }
}
