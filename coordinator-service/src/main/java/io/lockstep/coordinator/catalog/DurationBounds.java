package io.lockstep.coordinator.catalog;

import java.time.Duration;

/**
 * Every duration the API accepts is bounded, so no deadline lands beyond what an operator would ever mean (and
 * beyond what {@link java.time.Instant} can hold): a step timeout at most {@value #MAX_STEP_TIMEOUT_DAYS} days,
 * {@code failedAfter} at most {@value #MAX_FAILED_AFTER_DAYS} days.
 */
public final class DurationBounds {

    public static final long MAX_STEP_TIMEOUT_DAYS = 7;
    public static final long MAX_FAILED_AFTER_DAYS = 366;
    public static final Duration MAX_STEP_TIMEOUT = Duration.ofDays(MAX_STEP_TIMEOUT_DAYS);
    public static final Duration MAX_FAILED_AFTER = Duration.ofDays(MAX_FAILED_AFTER_DAYS);

    private DurationBounds() {}

    /**
     * Parses {@code text} as a duration of at most {@code max}.
     *
     * @throws IllegalArgumentException naming {@code field} (as the message starts: {@code timeout "backup"}) when it is not a duration, or out of bounds
     */
    public static Duration parse(String field, String text, Duration max, boolean zeroAllowed) {
        Duration value;
        try {
            value = text == null ? null : PlanSpec.parseDuration(text);
        } catch (RuntimeException e) { // unknown unit, not a number, or too large for a Duration
            value = null;
        }
        if (value == null || value.isNegative() || (!zeroAllowed && value.isZero()) || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(field + " must be a " + (zeroAllowed ? "" : "positive ")
                    + "duration of at most " + max.toDays() + " days such as \"90s\", \"30m\", \"6h\" or \"3d\", not "
                    + (text == null ? "null" : "\"" + text + "\""));
        }
        return value;
    }
}
