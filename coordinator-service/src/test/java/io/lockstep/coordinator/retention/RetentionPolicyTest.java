package io.lockstep.coordinator.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.retention.RetentionPolicy.Candidate;
import io.lockstep.coordinator.retention.RetentionPolicy.Decision;
import io.lockstep.protocol.EventCodec;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RetentionPolicyTest {

    static final ZoneId UTC = ZoneOffset.UTC;
    static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");
    static final Duration FAILED_AFTER = Duration.ofDays(3);

    static RetentionRules rules(String json) throws Exception {
        JsonNode node = EventCodec.mapper().readTree(json);
        return RetentionRules.parse(node);
    }

    static Candidate consistent(String time) {
        return new Candidate(UUID.randomUUID(), RunState.CONSISTENT, false, Instant.parse(time), Instant.parse(time));
    }

    /** One consistent run a day at 04:00 UTC for {@code days} days, newest first. */
    static List<Candidate> daily(int days) {
        List<Candidate> runs = new ArrayList<>();
        for (int i = 0; i < days; i++) {
            runs.add(consistent(LocalDateTime.parse("2026-11-21T04:00:00")
                    .minusDays(i)
                    .toInstant(ZoneOffset.UTC)
                    .toString()));
        }
        return runs;
    }

    static Map<UUID, Decision> decide(List<Candidate> runs, RetentionRules rules, ZoneId zone) {
        return RetentionPolicy.decide(runs, rules, zone, NOW, FAILED_AFTER).stream()
                .collect(Collectors.toMap(Decision::runId, d -> d));
    }

    static List<Integer> keptIndexes(List<Candidate> runs, Map<UUID, Decision> decisions) {
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            if (decisions.get(runs.get(i).id()).keep()) {
                kept.add(i);
            }
        }
        return kept;
    }

    @Test
    void keepLastTwoOfFourExpiresTheTwoOldest() throws Exception {
        List<Candidate> runs = daily(4);
        Map<UUID, Decision> d = decide(runs, rules("{\"keepLast\": 2}"), UTC);
        assertEquals(List.of(0, 1), keptIndexes(runs, d));
        assertTrue(d.get(runs.get(3).id()).reason().contains("no retention rule keeps it (keepLast 2)"));
        assertTrue(d.get(runs.get(1).id()).reason().contains("keepLast 2"));
    }

    @Test
    void keepDailyKeepsTheNewestRunOfEachOfTheLastDays() throws Exception {
        List<Candidate> runs = new ArrayList<>(List.of(
                consistent("2026-11-21T10:00:00Z"), consistent("2026-11-21T04:00:00Z"),
                consistent("2026-11-20T22:00:00Z"), consistent("2026-11-20T04:00:00Z"),
                consistent("2026-11-19T04:00:00Z"), consistent("2026-11-18T04:00:00Z")));
        Map<UUID, Decision> d = decide(runs, rules("{\"keepDaily\": 3}"), UTC);
        assertEquals(List.of(0, 2, 4), keptIndexes(runs, d));
        assertTrue(d.get(runs.get(2).id()).reason().contains("keepDaily 3 (2026-11-20)"));
    }

    @Test
    void daysAreCountedInThePlansTimezone() throws Exception {
        // 22:30 UTC on the 20th is already the 21st in Tokyo, the same day as the 10:00 UTC run.
        List<Candidate> runs = List.of(
                consistent("2026-11-21T10:00:00Z"),
                consistent("2026-11-20T22:30:00Z"),
                consistent("2026-11-20T10:00:00Z"));
        assertEquals(List.of(0, 1), keptIndexes(runs, decide(runs, rules("{\"keepDaily\": 2}"), UTC)));
        assertEquals(
                List.of(0, 2), keptIndexes(runs, decide(runs, rules("{\"keepDaily\": 2}"), ZoneId.of("Asia/Tokyo"))));
    }

    @Test
    void grandfatherFatherSonKeepsDailiesWeekliesAndMonthlies() throws Exception {
        List<Candidate> runs = daily(70); // 2026-11-21 back to 2026-09-13
        Map<UUID, Decision> d = decide(runs, rules("{\"keepDaily\": 7, \"keepWeekly\": 4, \"keepMonthly\": 3}"), UTC);
        List<Integer> kept = keptIndexes(runs, d);
        // dailies: 0..6 (Nov 21..15); weeklies: newest of ISO weeks 47 (Nov 21), 46 (Nov 15), 45 (Nov 8), 44 (Nov 1);
        // monthlies: Nov 21, Oct 31 (index 21), Sep 30 (index 52).
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 13, 20, 21, 52), kept);
        assertTrue(d.get(runs.get(52).id()).reason().contains("keepMonthly 3 (2026-09)"));
        assertTrue(d.get(runs.get(13).id()).reason().contains("keepWeekly 4 (2026-W45)"));
        assertFalse(d.get(runs.get(69).id()).keep());
    }

    @Test
    void maxAgeDaysKeepsRunsYoungerThanTheLimit() throws Exception {
        List<Candidate> runs = daily(20);
        Map<UUID, Decision> d = decide(runs, rules("{\"maxAgeDays\": 14}"), UTC);
        // NOW is 12:00 on the 21st: runs at 04:00 back to the 8th (index 13) are within 14 days.
        assertEquals(14, keptIndexes(runs, d).size());
        assertTrue(d.get(runs.get(13).id()).keep());
        assertFalse(d.get(runs.get(14).id()).keep());
    }

    @Test
    void pinnedRunsAndTheNewestConsistentRunNeverExpire() throws Exception {
        List<Candidate> runs = new ArrayList<>(daily(5));
        Candidate pinned = new Candidate(
                UUID.randomUUID(),
                RunState.CONSISTENT,
                true,
                Instant.parse("2025-01-01T00:00:00Z"),
                Instant.parse("2025-01-01T00:01:00Z"));
        runs.add(pinned);
        Map<UUID, Decision> d = decide(runs, rules("{\"keepLast\": 0, \"maxAgeDays\": 0}"), UTC);
        assertEquals(List.of(0, 5), keptIndexes(runs, d));
        assertEquals("pinned", d.get(pinned.id()).reason());
        assertEquals("newest consistent run", d.get(runs.get(0).id()).reason());
    }

    @Test
    void failedRunsExpireAfterFailedAfterWhateverTheCountRules() throws Exception {
        Candidate oldFailure =
                new Candidate(UUID.randomUUID(), RunState.FAILED, false, null, NOW.minus(Duration.ofDays(4)));
        Candidate recentFailure =
                new Candidate(UUID.randomUUID(), RunState.FAILED, false, null, NOW.minusSeconds(3600));
        Candidate pinnedFailure =
                new Candidate(UUID.randomUUID(), RunState.FAILED, true, null, NOW.minus(Duration.ofDays(30)));
        List<Candidate> runs = List.of(oldFailure, recentFailure, pinnedFailure);
        Map<UUID, Decision> d = decide(runs, rules("{\"keepLast\": 10}"), UTC);
        assertFalse(d.get(oldFailure.id()).keep());
        assertTrue(d.get(recentFailure.id()).keep());
        assertTrue(d.get(pinnedFailure.id()).keep());

        Map<UUID, Decision> shorter =
                RetentionPolicy.decide(runs, rules("{\"failedAfter\": \"30m\"}"), UTC, NOW, Duration.ofMinutes(30))
                        .stream()
                        .collect(Collectors.toMap(Decision::runId, x -> x));
        assertFalse(shorter.get(recentFailure.id()).keep());
    }

    @Test
    void withoutRulesConsistentRunsAreKept() {
        List<Candidate> runs = daily(3);
        Map<UUID, Decision> d = decide(runs, RetentionRules.NONE, UTC);
        assertEquals(List.of(0, 1, 2), keptIndexes(runs, d));
    }

    @Test
    void invalidRulesNameTheField() {
        IllegalArgumentException unknown =
                assertThrows(IllegalArgumentException.class, () -> rules("{\"keepYearly\": 1}"));
        assertTrue(unknown.getMessage().contains("\"keepYearly\""), unknown.getMessage());
        IllegalArgumentException negative =
                assertThrows(IllegalArgumentException.class, () -> rules("{\"keepDaily\": -1}"));
        assertTrue(negative.getMessage().contains("\"keepDaily\""), negative.getMessage());
        IllegalArgumentException fraction =
                assertThrows(IllegalArgumentException.class, () -> rules("{\"keepLast\": 1.5}"));
        assertTrue(fraction.getMessage().contains("\"keepLast\""), fraction.getMessage());
        IllegalArgumentException failed =
                assertThrows(IllegalArgumentException.class, () -> rules("{\"failedAfter\": \"soon\"}"));
        assertTrue(failed.getMessage().contains("\"failedAfter\""), failed.getMessage());
    }
}
