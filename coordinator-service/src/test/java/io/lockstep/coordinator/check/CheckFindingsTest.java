package io.lockstep.coordinator.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.check.CheckFindings.Kind;
import io.lockstep.coordinator.check.CheckFindings.Problem;
import io.lockstep.repository.DamagedArtifactException;
import io.lockstep.repository.RepositoryException;
import io.lockstep.repository.UnreadableKeyException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a failed read stands for, and what the summary says: unreadable key ids named, problems bounded, counts exact. */
class CheckFindingsTest {

    @Test
    void aMissingKeyIsNamedDamageIsDamageAndAFailedReadSaysSo() {
        Problem key = RepositoryCheck.problem(
                "runs/p/r/s/db.dump", "r", new UnreadableKeyException("needs tink-7", "tink-7"), Kind.DAMAGED);
        Problem damaged = RepositoryCheck.problem(
                "blobs/s/ab", "r", new DamagedArtifactException("failed authentication"), Kind.BLOB_DAMAGED);
        Problem unread = RepositoryCheck.problem(
                "runs/p/r/s/objects.jsonl.gz", "r", new RepositoryException("timeout"), Kind.MANIFEST_UNREADABLE);

        assertEquals(Kind.UNREADABLE_KEY, key.kind());
        assertEquals("tink-7", key.keyId());
        assertEquals(Kind.BLOB_DAMAGED, damaged.kind());
        assertNull(damaged.keyId());
        assertEquals(Kind.MANIFEST_UNREADABLE, unread.kind());
        assertEquals("cannot be read: timeout", unread.detail());
    }

    @Test
    void theSummaryNamesKeyIdsAndRunsAndBoundsItsListButNotItsCounts() {
        CheckFindings findings = new CheckFindings();
        findings.add(new Problem(Kind.UNREADABLE_KEY, "runs/p/a/run.json", "a", "needs tink-7", "tink-7"));
        for (int i = 0; i < CheckFindings.MAX_LISTED + 5; i++) {
            findings.add(new Problem(Kind.BLOB_MISSING, "blobs/s/" + i, "b", "missing", null));
        }

        Map<String, Object> summary = findings.summary();

        assertEquals((long) CheckFindings.MAX_LISTED + 6, summary.get("problems"));
        assertEquals(CheckFindings.MAX_LISTED, ((List<?>) summary.get("problemList")).size());
        assertEquals(List.of("tink-7"), summary.get("unreadableKeyIds"));
        assertEquals(List.of("a", "b"), summary.get("affectedRuns"));
        assertEquals(
                Map.of("BLOB_MISSING", CheckFindings.MAX_LISTED + 5, "UNREADABLE_KEY", 1),
                summary.get("problemsByKind"));
        assertEquals(CheckFindings.MAX_PER_RUN, findings.byRun().get("b").size());
        assertTrue(findings.progress().containsKey("phase"));
    }
}
