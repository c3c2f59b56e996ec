package io.lockstep.agent.core.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class QuiesceLeasesTest {

    private static final Duration TTL = Duration.ofSeconds(60);

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-11-30T06:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final ManualClock clock = new ManualClock();
    private final QuiesceLeases leases = new QuiesceLeases(clock);
    private final UUID runX = UUID.randomUUID();
    private final UUID runY = UUID.randomUUID();

    @Test
    void aRunReleasingASharedStoreLeavesItQuiescedForTheOtherRun() {
        leases.hold("search", runX, UUID.randomUUID(), TTL);
        leases.hold("search", runY, UUID.randomUUID(), TTL);

        QuiesceLeases.Release y = leases.release("search", runY);

        assertTrue(y.unbroken());
        assertEquals(1, y.stillHeldBy(), "run X still holds the store");
        assertTrue(leases.held("search"));
        QuiesceLeases.Release x = leases.release("search", runX);
        assertTrue(x.unbroken());
        assertEquals(0, x.stillHeldBy(), "the last release lets the store resume");
        assertFalse(leases.held("search"));
    }

    @Test
    void aReleaseAfterTheLeaseRanOutReportsAGapInTheWindow() {
        leases.hold("search", runX, UUID.randomUUID(), TTL);
        clock.advance(TTL.plusSeconds(1));

        List<QuiesceLeases.Lapse> lapsed = leases.takeLapsed();

        assertEquals(1, lapsed.size());
        assertEquals(runX, lapsed.get(0).lease().runId());
        assertFalse(leases.release("search", runX).unbroken());
    }

    @Test
    void aReleaseOfALeaseThatIsDueButNotYetCollectedIsNotUnbroken() {
        leases.hold("search", runX, UUID.randomUUID(), TTL);
        clock.advance(TTL);

        assertFalse(leases.release("search", runX).unbroken());
    }

    @Test
    void aRunThatNeverHeldTheStoreCannotClaimAnUnbrokenWindow() {
        // An agent that restarted has no lease in memory: the RESUME that follows must report the gap.
        assertFalse(leases.release("search", runX).unbroken());
    }

    @Test
    void renewalExtendsOnlyTheRenewingRunsLease() {
        leases.hold("search", runX, UUID.randomUUID(), TTL);
        leases.hold("search", runY, UUID.randomUUID(), TTL);
        clock.advance(Duration.ofSeconds(50));

        assertTrue(leases.renew("search", runX, TTL));
        clock.advance(Duration.ofSeconds(20));

        List<QuiesceLeases.Lapse> lapsed = leases.takeLapsed();
        assertEquals(List.of(runY), lapsed.stream().map(l -> l.lease().runId()).toList());
        assertTrue(leases.held("search"), "run X's renewed lease still holds the store");
    }

    @Test
    void aLapsedLeaseIsNotRevivedByALateRenewal() {
        leases.hold("search", runX, UUID.randomUUID(), TTL);
        clock.advance(TTL.plusSeconds(5));

        assertFalse(leases.renew("search", runX, TTL));
        assertFalse(leases.held("search"));
    }

    @Test
    void othersHoldingCountsOnlyLiveLeasesOfOtherRuns() {
        leases.hold("search", runX, UUID.randomUUID(), Duration.ofSeconds(10));
        leases.hold("search", runY, UUID.randomUUID(), TTL);
        assertEquals(1, leases.othersHolding("search", runY));
        clock.advance(Duration.ofSeconds(11));
        assertEquals(0, leases.othersHolding("search", runY));
    }
}
