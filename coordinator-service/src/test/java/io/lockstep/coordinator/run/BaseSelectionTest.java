package io.lockstep.coordinator.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.run.BaseSelection.Candidate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The rules that choose the base of an incremental object copy; pure, no catalog. */
class BaseSelectionTest {

    static final Instant T0 = Instant.parse("2026-11-30T04:00:00Z");

    static Candidate copy(String plan, RunState state, boolean verified, int minutes, String manifest) {
        return new Candidate(
                UUID.randomUUID(),
                plan,
                RunType.BACKUP,
                state,
                false,
                false,
                verified,
                T0.plusSeconds(60L * minutes),
                manifest);
    }

    @Test
    void theNewestConsistentCopyOfThePlanIsTheBase() {
        List<Candidate> candidates = List.of(
                copy("nightly", RunState.CONSISTENT, true, 1, "m1"),
                copy("nightly", RunState.CONSISTENT, true, 3, "m3"),
                copy("nightly", RunState.CONSISTENT, true, 2, "m2"));
        assertEquals(Optional.of("m3"), BaseSelection.choose("nightly", candidates));
    }

    @Test
    void aFailedRunIsNeverTheBaseEvenIfItsCopyVerified() {
        List<Candidate> candidates = List.of(
                copy("nightly", RunState.CONSISTENT, true, 1, "good"),
                copy("nightly", RunState.FAILED, true, 2, "failed-elsewhere"),
                copy("nightly", RunState.FAILED, false, 3, "failed-verification"));
        assertEquals(Optional.of("good"), BaseSelection.choose("nightly", candidates));
    }

    @Test
    void aCopyWhoseVerificationDidNotPassIsNeverTheBase() {
        // the story: the newest run's verification found blobs missing
        assertFalse(BaseSelection.eligible(copy("nightly", RunState.CONSISTENT, false, 1, "m"), "nightly"));
        assertEquals(
                Optional.empty(),
                BaseSelection.choose("nightly", List.of(copy("nightly", RunState.VERIFYING, false, 1, "m"))));
    }

    @Test
    void anotherPlansRunIsTheBaseOnlyIfConsistent() {
        assertTrue(BaseSelection.eligible(copy("hourly", RunState.CONSISTENT, true, 1, "m"), "nightly"));
        assertFalse(BaseSelection.eligible(copy("hourly", RunState.VERIFYING, true, 1, "m"), "nightly"));
        assertFalse(BaseSelection.eligible(copy("hourly", RunState.CANCELLED, true, 1, "m"), "nightly"));
        List<Candidate> candidates = List.of(
                copy("nightly", RunState.CONSISTENT, true, 1, "own"),
                copy("hourly", RunState.CANCELLED, true, 5, "theirs-cancelled"),
                copy("hourly", RunState.CONSISTENT, true, 3, "theirs-consistent"));
        assertEquals(Optional.of("theirs-consistent"), BaseSelection.choose("nightly", candidates));
    }

    @Test
    void withinThePlanAVerifiedCopyOfARunNotFailedIsTheBase() {
        assertTrue(BaseSelection.eligible(copy("nightly", RunState.VERIFYING, true, 1, "m"), "nightly"));
        assertTrue(BaseSelection.eligible(copy("nightly", RunState.CANCELLED, true, 1, "m"), "nightly"));
    }

    @Test
    void expiringExpiredAndNonBackupRunsAreNeverTheBase() {
        Candidate expiring = new Candidate(
                UUID.randomUUID(), "nightly", RunType.BACKUP, RunState.CONSISTENT, true, false, true, T0, "m");
        Candidate expired = new Candidate(
                UUID.randomUUID(), "nightly", RunType.BACKUP, RunState.CONSISTENT, false, true, true, T0, "m");
        Candidate restore = new Candidate(
                UUID.randomUUID(), "nightly", RunType.RESTORE, RunState.SUCCEEDED, false, false, true, T0, "m");
        Candidate noManifest = copy("nightly", RunState.CONSISTENT, true, 1, null);
        for (Candidate c : List.of(expiring, expired, restore, noManifest)) {
            assertFalse(BaseSelection.eligible(c, "nightly"), c.toString());
        }
    }

    @Test
    void withoutAnyEligibleCopyTheCopyIsFull() {
        assertEquals(Optional.empty(), BaseSelection.choose("nightly", List.of()));
        assertEquals(
                Optional.empty(),
                BaseSelection.choose("nightly", List.of(copy("nightly", RunState.FAILED, true, 1, "m"))));
    }
}
