package io.lockstep.coordinator.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lockstep.coordinator.check.CheckFindings.Kind;
import io.lockstep.coordinator.check.CheckFindings.Problem;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Which check may clear what: a quick check never hides damage that only reading the data finds. */
class RunDamageTest {

    static final Instant AT = Instant.parse("2026-11-30T10:00:00Z");
    static final Problem FLIPPED = new Problem(Kind.BLOB_DAMAGED, "blobs/s/ab", "r", "failed authentication", null);
    static final Problem LOST = new Problem(Kind.ARTIFACT_MISSING, "runs/p/r/s/db.dump", "r", "missing", null);

    @Test
    void nothingFoundAndNothingKnownIsNoRecord() {
        assertNull(RunDamage.after(null, List.of(), false, 100, UUID.randomUUID(), AT));
        assertNull(RunDamage.warnings(null));
    }

    @Test
    void aQuickCheckKeepsWhatReadingFoundButReDecidesMissingArtifacts() {
        Map<String, Object> afterFull = RunDamage.after(null, List.of(FLIPPED, LOST), true, 100, UUID.randomUUID(), AT);

        Map<String, Object> afterQuick = RunDamage.after(afterFull, List.of(), false, 100, UUID.randomUUID(), AT);

        assertEquals(List.of("BLOB_DAMAGED blobs/s/ab"), keys(afterQuick));
        Map<String, Object> afterSample = RunDamage.after(afterQuick, List.of(LOST), true, 10, UUID.randomUUID(), AT);
        assertEquals(List.of("ARTIFACT_MISSING runs/p/r/s/db.dump", "BLOB_DAMAGED blobs/s/ab"), keys(afterSample));
    }

    @Test
    void onlyAFullReadClearsDamageFoundByReading() {
        UUID check = UUID.randomUUID();
        Map<String, Object> damaged = RunDamage.after(null, List.of(FLIPPED), true, 100, check, AT);
        assertEquals(
                List.of("repository check " + check + ": BLOB_DAMAGED blobs/s/ab: failed authentication"),
                RunDamage.warnings(damaged));

        assertNull(RunDamage.after(damaged, List.of(), true, 100, UUID.randomUUID(), AT));
    }

    @Test
    void theSameProblemFoundAgainIsListedOnce() {
        Map<String, Object> damaged = RunDamage.after(null, List.of(FLIPPED), true, 100, UUID.randomUUID(), AT);

        assertEquals(
                List.of("BLOB_DAMAGED blobs/s/ab"),
                keys(RunDamage.after(damaged, List.of(FLIPPED), true, 50, UUID.randomUUID(), AT)));
    }

    @SuppressWarnings("unchecked")
    static List<String> keys(Map<String, Object> damage) {
        return ((List<Map<String, Object>>) damage.get("problems"))
                .stream().map(p -> p.get("kind") + " " + p.get("key")).toList();
    }
}
