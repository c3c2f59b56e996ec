package io.lockstep.coordinator.retention;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.coordinator.catalog.DurationBounds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A plan's {@code retention}, parsed. Counts are whole numbers, {@code null} when the rule is absent.
 *
 * @param keepLast keep the newest N consistent runs
 * @param keepDaily keep the newest consistent run of each of the last N days that have one (in the plan's timezone)
 * @param keepWeekly the same per ISO week
 * @param keepMonthly the same per calendar month
 * @param maxAgeDays keep every consistent run whose consistency point is at most this many days old
 * @param failedAfter how long FAILED and CANCELLED runs are kept; the coordinator's default when null
 */
public record RetentionRules(
        Integer keepLast,
        Integer keepDaily,
        Integer keepWeekly,
        Integer keepMonthly,
        Integer maxAgeDays,
        Duration failedAfter) {

    public static final RetentionRules NONE = new RetentionRules(null, null, null, null, null, null);
    static final Set<String> COUNTS = Set.of("keepLast", "keepDaily", "keepWeekly", "keepMonthly", "maxAgeDays");

    /** Whether any rule can expire a consistent run; without one, consistent runs are kept forever. */
    public boolean expiresConsistentRuns() {
        return keepLast != null || keepDaily != null || keepWeekly != null || keepMonthly != null || maxAgeDays != null;
    }

    /**
     * Parses and validates a plan's retention object.
     *
     * @throws IllegalArgumentException with a message that names the wrong field
     */
    public static RetentionRules parse(JsonNode retention) {
        if (retention == null || retention.isNull()) {
            return NONE;
        }
        if (!retention.isObject()) {
            throw new IllegalArgumentException("\"retention\" must be an object such as {\"keepDaily\": 14}");
        }
        List<String> names = new ArrayList<>();
        retention.fieldNames().forEachRemaining(names::add);
        for (String key : names) {
            if (!COUNTS.contains(key) && !"failedAfter".equals(key)) {
                throw new IllegalArgumentException("unknown retention rule \"" + key + "\"; use keepLast, keepDaily, "
                        + "keepWeekly, keepMonthly, maxAgeDays or failedAfter");
            }
        }
        Duration failedAfter = null;
        JsonNode failed = retention.get("failedAfter");
        if (failed != null && !failed.isNull()) {
            if (!failed.isTextual()) {
                throw new IllegalArgumentException("retention rule \"failedAfter\" must be a duration such as \"12h\" "
                        + "or \"3d\", not " + failed);
            }
            failedAfter = DurationBounds.parse(
                    "retention rule \"failedAfter\"", failed.asText(), DurationBounds.MAX_FAILED_AFTER, true);
        }
        return new RetentionRules(
                count(retention, "keepLast"),
                count(retention, "keepDaily"),
                count(retention, "keepWeekly"),
                count(retention, "keepMonthly"),
                count(retention, "maxAgeDays"),
                failedAfter);
    }

    private static Integer count(JsonNode retention, String key) {
        JsonNode value = retention.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 0) {
            throw new IllegalArgumentException(
                    "retention rule \"" + key + "\" must be a whole number >= 0, not " + value);
        }
        return value.asInt();
    }
}
