package io.lockstep.coordinator.check;

import io.lockstep.coordinator.check.CheckFindings.Kind;
import io.lockstep.coordinator.check.CheckFindings.Problem;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Pure: a backup's damage record after a check ({@code runs.damage}). A check replaces what it could have found again:
 * any check re-decides missing artifacts and blobs, sizes and unreadable keys; only a check that read all the data
 * ({@code readData}, 100 %) clears damage found by reading. So a quick check never hides a flipped byte that an
 * earlier read-data check found.
 */
public final class RunDamage {

    private RunDamage() {}

    /** The run's record after a check that found {@code found} for it: null when nothing is known to be wrong. */
    public static Map<String, Object> after(
            Map<String, Object> previous,
            List<Problem> found,
            boolean readData,
            int samplePercent,
            UUID checkId,
            Instant at) {
        boolean readAll = readData && samplePercent >= 100;
        List<Map<String, Object>> problems = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (Problem p : found) {
            problems.add(p.toMap());
            keys.add(p.kind() + " " + p.key());
        }
        if (previous != null && !readAll && previous.get("problems") instanceof List<?> earlier) {
            for (Object o : earlier) {
                if (o instanceof Map<?, ?> p
                        && contentKind(p.get("kind"))
                        && keys.add(p.get("kind") + " " + p.get("key"))) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> kept = (Map<String, Object>) p;
                    problems.add(kept);
                }
            }
        }
        if (problems.isEmpty()) {
            return null;
        }
        Map<String, Object> damage = new LinkedHashMap<>();
        damage.put("checkId", checkId.toString());
        damage.put("checkedAt", at.toString());
        damage.put("problems", problems);
        return damage;
    }

    /** The API's warnings for a run with this damage record: one line a problem, none when null. */
    public static List<String> warnings(Map<String, Object> damage) {
        if (damage == null || !(damage.get("problems") instanceof List<?> problems)) {
            return null;
        }
        List<String> lines = new ArrayList<>();
        for (Object o : problems) {
            if (o instanceof Map<?, ?> p) {
                lines.add("repository check " + damage.get("checkId") + ": " + p.get("kind") + " " + p.get("key") + ": "
                        + p.get("detail"));
            }
        }
        return lines.isEmpty() ? null : lines;
    }

    private static boolean contentKind(Object kind) {
        try {
            return kind != null && Kind.valueOf(kind.toString()).content();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
