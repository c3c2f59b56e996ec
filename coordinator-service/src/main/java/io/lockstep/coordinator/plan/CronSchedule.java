package io.lockstep.coordinator.plan;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Standard 5-field cron expressions and the common macros, with errors that name the wrong field. */
public final class CronSchedule {

    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final String[] FIELDS = {"minute", "hour", "day of month", "month", "day of week"};
    private static final Map<String, String> MACROS = Map.of(
            "@hourly", "0 * * * *",
            "@daily", "0 0 * * *",
            "@midnight", "0 0 * * *",
            "@weekly", "0 0 * * 0",
            "@monthly", "0 0 1 * *",
            "@yearly", "0 0 1 1 *",
            "@annually", "0 0 1 1 *");

    private final Cron cron;
    private final ZoneId zone;

    private CronSchedule(Cron cron, ZoneId zone) {
        this.cron = cron;
        this.zone = zone;
    }

    /**
     * Parses an expression.
     *
     * @throws IllegalArgumentException with a message naming the wrong field
     */
    public static CronSchedule parse(String expression, ZoneId zone) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("the schedule is empty");
        }
        String expr = MACROS.getOrDefault(expression.strip().toLowerCase(), expression.strip());
        if (expr.startsWith("@")) {
            throw new IllegalArgumentException("unknown schedule macro '" + expression.strip()
                    + "'; use @hourly, @daily, @weekly, @monthly or @yearly");
        }
        String[] parts = expr.split("\\s+");
        if (parts.length != 5) {
            throw new IllegalArgumentException("cron expression '" + expr + "' has " + parts.length
                    + " fields; expected 5: minute hour day-of-month month day-of-week");
        }
        for (int i = 0; i < 5; i++) {
            String[] probe = {"*", "*", "*", "*", "*"};
            probe[i] = parts[i];
            try {
                PARSER.parse(String.join(" ", probe));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("cron expression '" + expr + "': the " + FIELDS[i] + " field '"
                        + parts[i] + "' is invalid (" + e.getMessage() + ")");
            }
        }
        try {
            return new CronSchedule(PARSER.parse(expr), zone);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cron expression '" + expr + "' is invalid: " + e.getMessage());
        }
    }

    /** The next {@code count} fire times after {@code after}. */
    public List<ZonedDateTime> next(ZonedDateTime after, int count) {
        ExecutionTime execution = ExecutionTime.forCron(cron);
        List<ZonedDateTime> times = new ArrayList<>(count);
        ZonedDateTime cursor = after.withZoneSameInstant(zone);
        for (int i = 0; i < count; i++) {
            var next = execution.nextExecution(cursor);
            if (next.isEmpty()) {
                break;
            }
            times.add(next.get());
            cursor = next.get();
        }
        return times;
    }
}
