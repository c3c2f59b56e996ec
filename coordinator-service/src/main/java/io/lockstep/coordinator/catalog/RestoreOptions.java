package io.lockstep.coordinator.catalog;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * What an operator asks of a restore ({@code POST /api/v1/runs/{id}/restore}).
 *
 * @param stores the stores to restore, all of the run's by default
 * @param targets per store, where to restore instead of in place: {@code {"databases": {"orders": "orders_copy"}}}
 *        for PostgreSQL, {@code {"bucket": "b", "prefix": "restored/"}} for objects,
 *        {@code {"renamePattern": "(.+)", "renameReplacement": "restored-$1"}} for search
 * @param dryRun report what would happen, change nothing
 * @param force restore a run that is not CONSISTENT
 * @param prune delete objects the run's manifest does not hold
 * @param pointInTime an ISO-8601 instant: recover the run's PostgreSQL stores with point-in-time recovery (their base
 *        backups replayed with archived WAL to this time) into new clusters
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RestoreOptions(
        List<String> stores,
        Map<String, JsonNode> targets,
        Boolean dryRun,
        Boolean force,
        Boolean prune,
        String pointInTime) {

    public static final RestoreOptions DEFAULT = new RestoreOptions(null, null, false, false, false);

    public RestoreOptions(
            List<String> stores, Map<String, JsonNode> targets, Boolean dryRun, Boolean force, Boolean prune) {
        this(stores, targets, dryRun, force, prune, null);
    }

    public boolean pointInTimeRequested() {
        return pointInTime != null;
    }

    public boolean isDryRun() {
        return Boolean.TRUE.equals(dryRun);
    }

    public boolean isForce() {
        return Boolean.TRUE.equals(force);
    }

    public boolean isPrune() {
        return Boolean.TRUE.equals(prune);
    }

    public JsonNode target(String store) {
        return targets == null ? null : targets.get(store);
    }
}
