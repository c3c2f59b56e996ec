package io.lockstep.coordinator.retention;

import io.lockstep.coordinator.catalog.RunState;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Decides which ended runs of one plan to keep, and why. Pure logic: no catalog, no clock.
 * <ul>
 * <li>pinned runs are kept;</li>
 * <li>FAILED and CANCELLED runs are kept for {@code failedAfter} after they ended, then expire;</li>
 * <li>the newest CONSISTENT run is kept, whatever the rules say;</li>
 * <li>other CONSISTENT runs are kept when any rule keeps them (keepLast, keepDaily, keepWeekly, keepMonthly,
 * maxAgeDays: a union, as in grandfather-father-son schemes), and expire otherwise. Without any rule they are
 * kept. A run's time is its consistency point (the SQL snapshot: "the backup's date is the SQL backup's date");
 * days, weeks and months are counted in the plan's timezone, and each keeps the newest run of its period.</li>
 * </ul>
 */
public final class RetentionPolicy {

    private RetentionPolicy() {}

    /** An ended backup run as retention sees it. */
    public record Candidate(UUID id, RunState state, boolean pinned, Instant consistencyPoint, Instant endedAt) {
        Instant time() {
            return consistencyPoint != null ? consistencyPoint : endedAt;
        }
    }

    /** What happens to one run, with the rules that decided it. */
    public record Decision(UUID runId, boolean keep, String reason) {}

    /** Decisions for every candidate, in the order given. */
    public static List<Decision> decide(
            List<Candidate> runs, RetentionRules rules, ZoneId zone, Instant now, Duration failedAfter) {
        Map<UUID, List<String>> keptBy = new LinkedHashMap<>();
        List<Candidate> consistent = runs.stream()
                .filter(r -> r.state() == RunState.CONSISTENT)
                .sorted(Comparator.comparing(Candidate::time).reversed())
                .toList();
        consistent.forEach(r -> keptBy.put(r.id(), new ArrayList<>()));
        if (!consistent.isEmpty()) {
            keptBy.get(consistent.get(0).id()).add("newest consistent run");
        }
        if (!rules.expiresConsistentRuns()) {
            consistent.forEach(r -> keptBy.get(r.id()).add("no retention rule expires consistent runs"));
        }
        if (rules.keepLast() != null) {
            consistent.stream()
                    .limit(rules.keepLast())
                    .forEach(r -> keptBy.get(r.id()).add("keepLast " + rules.keepLast()));
        }
        keepNewestPerPeriod(
                consistent, rules.keepDaily(), "keepDaily", r -> LocalDate.ofInstant(r.time(), zone), keptBy);
        keepNewestPerPeriod(
                consistent,
                rules.keepWeekly(),
                "keepWeekly",
                r -> {
                    LocalDate day = LocalDate.ofInstant(r.time(), zone);
                    return day.get(IsoFields.WEEK_BASED_YEAR) + "-W"
                            + String.format("%02d", day.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
                },
                keptBy);
        keepNewestPerPeriod(
                consistent,
                rules.keepMonthly(),
                "keepMonthly",
                r -> YearMonth.from(LocalDate.ofInstant(r.time(), zone)),
                keptBy);
        if (rules.maxAgeDays() != null) {
            Instant limit = now.minus(Duration.ofDays(rules.maxAgeDays()));
            consistent.stream()
                    .filter(r -> !r.time().isBefore(limit))
                    .forEach(r -> keptBy.get(r.id()).add("maxAgeDays " + rules.maxAgeDays()));
        }

        List<Decision> decisions = new ArrayList<>(runs.size());
        for (Candidate run : runs) {
            if (run.pinned()) {
                decisions.add(new Decision(run.id(), true, "pinned"));
            } else if (run.state() == RunState.CONSISTENT) {
                List<String> why = keptBy.get(run.id());
                decisions.add(
                        why.isEmpty()
                                ? new Decision(run.id(), false, "no retention rule keeps it (" + describe(rules) + ")")
                                : new Decision(run.id(), true, String.join(", ", why)));
            } else {
                boolean old =
                        run.endedAt() != null && run.endedAt().plus(failedAfter).isBefore(now);
                decisions.add(new Decision(
                        run.id(),
                        !old,
                        (old ? "ended " : "kept: ended ") + run.state() + (old ? " more than " : " less than ")
                                + failedAfter + " ago (failedAfter)"));
            }
        }
        return decisions;
    }

    /** Walks runs newest first and keeps the newest of each of the {@code count} most recent periods. */
    private static void keepNewestPerPeriod(
            List<Candidate> newestFirst,
            Integer count,
            String rule,
            Function<Candidate, Object> period,
            Map<UUID, List<String>> keptBy) {
        if (count == null || count == 0) {
            return;
        }
        Object last = null;
        int periods = 0;
        for (Candidate run : newestFirst) {
            Object p = period.apply(run);
            if (p.equals(last)) {
                continue;
            }
            last = p;
            keptBy.get(run.id()).add(rule + " " + count + " (" + p + ")");
            if (++periods == count) {
                return;
            }
        }
    }

    private static String describe(RetentionRules rules) {
        List<String> parts = new ArrayList<>();
        if (rules.keepLast() != null) {
            parts.add("keepLast " + rules.keepLast());
        }
        if (rules.keepDaily() != null) {
            parts.add("keepDaily " + rules.keepDaily());
        }
        if (rules.keepWeekly() != null) {
            parts.add("keepWeekly " + rules.keepWeekly());
        }
        if (rules.keepMonthly() != null) {
            parts.add("keepMonthly " + rules.keepMonthly());
        }
        if (rules.maxAgeDays() != null) {
            parts.add("maxAgeDays " + rules.maxAgeDays());
        }
        return String.join(", ", parts);
    }
}
