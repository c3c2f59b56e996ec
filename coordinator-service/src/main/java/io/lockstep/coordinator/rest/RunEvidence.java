package io.lockstep.coordinator.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.protocol.EvidenceKeys;
import java.util.List;
import java.util.Map;

/** The timestamps that prove the ordering rules, gathered from the steps. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record RunEvidence(
        List<Map<String, Object>> quiesce,
        List<Map<String, Object>> sqlSnapshots,
        List<Map<String, Object>> objectListings,
        List<Map<String, Object>> searchSnapshots,
        List<Map<String, Object>> references) {
    static RunEvidence of(List<StepEntity> steps) {
        var quiesce = new java.util.ArrayList<Map<String, Object>>();
        var sql = new java.util.ArrayList<Map<String, Object>>();
        var objects = new java.util.ArrayList<Map<String, Object>>();
        var search = new java.util.ArrayList<Map<String, Object>>();
        var references = new java.util.ArrayList<Map<String, Object>>();
        for (StepEntity s : steps) {
            Map<String, String> e = s.evidence;
            switch (s.action) {
                case QUIESCE -> {
                    var row = entry(
                            "store",
                            s.store,
                            "requestedAt",
                            s.dispatchedAt,
                            "acknowledgedAt",
                            e.get("quiescedAt"),
                            "leaseUntil",
                            e.get("leaseUntil"));
                    steps.stream()
                            .filter(r -> r.action == io.lockstep.protocol.StepAction.RESUME && r.store.equals(s.store))
                            .findFirst()
                            .ifPresent(r -> {
                                row.put("releaseRequestedAt", r.dispatchedAt);
                                row.put("releasedAt", r.evidence.get(EvidenceKeys.RESUMED_AT));
                                row.put("leaseUnbroken", r.evidence.get(EvidenceKeys.LEASE_UNBROKEN));
                                row.put("stillQuiescedFor", r.evidence.get(EvidenceKeys.STILL_QUIESCED_FOR));
                            });
                    quiesce.add(row);
                }
                case BACKUP -> {
                    switch (s.storeKind) {
                        case POSTGRES ->
                            sql.add(entry(
                                    "store",
                                    s.store,
                                    "database",
                                    s.database,
                                    "snapshotTime",
                                    s.snapshotAt,
                                    "lsn",
                                    s.snapshotLsn,
                                    "referenceKeys",
                                    e.get("referenceKeys")));
                        case OBJECTSTORE ->
                            objects.add(entry(
                                    "store",
                                    s.store,
                                    "listingStartedAt",
                                    e.get("listingStartedAt"),
                                    "objects",
                                    e.get("objects"),
                                    "copied",
                                    e.get("copied"),
                                    "unchanged",
                                    e.get("unchanged"),
                                    "healed",
                                    e.get("healed")));
                        case SEARCH ->
                            search.add(entry(
                                    "store",
                                    s.store,
                                    "snapshot",
                                    e.get("snapshot"),
                                    "startedAt",
                                    e.get("snapshotStartedAt"),
                                    "endedAt",
                                    e.get("snapshotEndedAt"),
                                    "state",
                                    e.get("state")));
                    }
                }
                case VERIFY -> {
                    if (e.containsKey("dangling")) {
                        references.add(entry(
                                "objects",
                                s.store,
                                "references",
                                e.get("references"),
                                "dangling",
                                e.get("dangling"),
                                "orphans",
                                e.get("orphans")));
                    }
                }
                default -> {}
            }
        }
        return new RunEvidence(quiesce, sql, objects, search, references);
    }

    private static Map<String, Object> entry(Object... keyValues) {
        Map<String, Object> row = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            if (keyValues[i + 1] != null) {
                row.put((String) keyValues[i], keyValues[i + 1]);
            }
        }
        return row;
    }
}
