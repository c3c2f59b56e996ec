package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.Json;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What a run that used a backup found, from its steps' evidence: pure, for the run's {@code result}. */
final class RunReports {

    private RunReports() {}

    /**
     * What a restore with the same options would do ({@code plannedRestore}, one line per step), and what the agents'
     * inspections found it would transfer and replace.
     */
    static Map<String, Object> dryRun(List<String> plannedRestore, List<StepEntity> inspections) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("steps", plannedRestore);
        long bytes = 0;
        long objects = 0;
        List<String> databases = new ArrayList<>();
        List<String> indices = new ArrayList<>();
        List<Map<String, Object>> stores = new ArrayList<>();
        for (StepEntity s : inspections) {
            Map<String, String> e = s.evidence;
            bytes += Json.number(e.get("bytesToTransfer"));
            objects += Json.number(e.get("objectsToCopy"));
            if (s.storeKind == StoreKind.POSTGRES && Boolean.parseBoolean(e.get("targetExists"))) {
                databases.add(s.store + "/" + e.get("database"));
            }
            if (e.get("indicesToReplace") != null && !e.get("indicesToReplace").isBlank()) {
                indices.addAll(List.of(e.get("indicesToReplace").split(",")));
            }
            stores.add(Map.of(
                    "store",
                    s.store,
                    "kind",
                    s.storeKind.name(),
                    "database",
                    s.database == null ? "" : s.database,
                    "findings",
                    e));
        }
        report.put("bytesToTransfer", bytes);
        report.put("objectsToCopy", objects);
        report.put("databasesToReplace", databases);
        report.put("indicesToReplace", indices);
        report.put("stores", stores);
        return report;
    }

    /**
     * A drill's figures: time to restore ({@code rtoMillis}, first restore dispatched to last restore done) and what
     * the checks counted.
     */
    static Map<String, Object> drillFigures(List<StepEntity> steps) {
        List<StepEntity> restores =
                steps.stream().filter(s -> s.action == StepAction.RESTORE).toList();
        Instant from = restores.stream()
                .map(s -> s.dispatchedAt)
                .filter(Objects::nonNull)
                .min(Instant::compareTo)
                .orElse(null);
        Instant to = restores.stream()
                .map(s -> s.endedAt)
                .filter(Objects::nonNull)
                .max(Instant::compareTo)
                .orElse(null);
        Map<String, Object> figures = new LinkedHashMap<>();
        if (from != null && to != null) {
            figures.put("rtoMillis", Duration.between(from, to).toMillis());
        }
        long tables = 0;
        long rows = 0;
        long objects = 0;
        long documents = 0;
        long references = 0;
        for (StepEntity s : steps) {
            if (s.action != StepAction.CHECK) {
                continue;
            }
            Map<String, String> e = s.evidence;
            tables += Json.number(e.get("tables"));
            rows += Json.number(e.get("rows"));
            objects += Json.number(e.get("objectsVerified"));
            documents += Json.number(e.get("documents"));
            references += Json.number(e.get("references"));
        }
        figures.put("tables", tables);
        figures.put("rows", rows);
        figures.put("objects", objects);
        figures.put("documents", documents);
        figures.put("references", references);
        figures.put("bytesRestored", restoredBytes(steps));
        return figures;
    }

    /** A restore's outcome: what each RESTORE step reported. */
    static List<Map<String, Object>> restored(List<StepEntity> steps) {
        return steps.stream()
                .filter(s -> s.action == StepAction.RESTORE)
                .map(s -> Map.<String, Object>of(
                        "store", s.store, "database", s.database == null ? "" : s.database, "evidence", s.evidence))
                .toList();
    }

    /** The bytes every RESTORE step wrote. */
    static long restoredBytes(List<StepEntity> steps) {
        return steps.stream()
                .filter(s -> s.action == StepAction.RESTORE)
                .mapToLong(s -> s.bytes == null ? 0 : s.bytes)
                .sum();
    }
}
