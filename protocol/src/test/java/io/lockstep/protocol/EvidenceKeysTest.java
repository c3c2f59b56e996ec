package io.lockstep.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvidenceKeysTest {

    @Test
    void everyEvidenceKeyIsWrittenOnceSoTwoConstantsNeverShareAValue() throws IllegalAccessException {
        Map<String, String> seen = new HashMap<>();
        for (Field f : EvidenceKeys.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                String value = (String) f.get(null);
                String earlier = seen.put(value, f.getName());
                assertEquals(null, earlier, f.getName() + " repeats the value of " + earlier);
            }
        }
        assertTrue(seen.size() > 50, "the keys were found");
    }

    @Test
    void theOrderingEvidenceKeysAreTheOnesTheCoordinatorReads() {
        assertEquals("quiescedAt", EvidenceKeys.QUIESCED_AT);
        assertEquals("resumedAt", EvidenceKeys.RESUMED_AT);
        assertEquals("listingStartedAt", EvidenceKeys.LISTING_STARTED_AT);
        assertEquals("snapshotStartedAt", EvidenceKeys.SNAPSHOT_STARTED_AT);
        assertEquals("snapshotEndedAt", EvidenceKeys.SNAPSHOT_ENDED_AT);
        assertEquals("tocEntries", EvidenceKeys.TOC_ENTRIES);
    }
}
