package io.lockstep.coordinator.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A backup plan as operators write it ({@code PUT /api/v1/plans/{name}}).
 *
 * @param stores the store ids the plan backs up together; at least one
 * @param schedule optional cron expression (5 fields) or {@code @daily}, {@code @weekly}, {@code @hourly}
 * @param timezone optional IANA zone for the schedule, UTC by default
 * @param retention optional retention rules (keepLast, keepDaily, keepWeekly, keepMonthly, maxAgeDays)
 * @param verify {@code checksum} (default) or {@code restore-drill}
 * @param references optional cross-store reference checks, each
 *        {@code {"store": "<pg store>", "database": "<db>", "query": "select key from blocks", "objects": "<object store>"}}
 * @param hooks optional hooks (stop/start dependents)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PlanSpec(
        List<String> stores,
        String schedule,
        String timezone,
        JsonNode retention,
        String verify,
        JsonNode references,
        JsonNode hooks) {
}
