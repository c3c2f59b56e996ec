package io.lockstep.coordinator.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lockstep.coordinator.catalog.Json;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RunReportsTest {

    static final Instant T0 = Instant.parse("2026-11-21T04:00:00Z");

    static StepEntity step(StoreKind kind, StepAction action, String evidence) {
        StepEntity s = new StepEntity();
        s.id = UUID.randomUUID();
        s.store = kind.name().toLowerCase();
        s.storeKind = kind;
        s.action = action;
        s.state = StepState.SUCCEEDED;
        s.evidence = Json.readMap(evidence);
        return s;
    }

    @Test
    void aDrillTimesItsRestoresFromFirstDispatchToLastEndAndSumsWhatTheChecksCounted() {
        StepEntity db = step(StoreKind.POSTGRES, StepAction.RESTORE, "{}");
        db.dispatchedAt = T0;
        db.endedAt = T0.plusSeconds(30);
        db.bytes = 700L;
        StepEntity objects = step(StoreKind.OBJECTSTORE, StepAction.RESTORE, "{}");
        objects.dispatchedAt = T0.plusSeconds(31);
        objects.endedAt = T0.plusSeconds(45);
        objects.bytes = 300L;
        StepEntity check = step(StoreKind.POSTGRES, StepAction.CHECK, "{\"tables\":\"3\",\"rows\":\"1200\"}");
        StepEntity refs =
                step(StoreKind.OBJECTSTORE, StepAction.CHECK, "{\"objectsVerified\":\"40\",\"references\":\"38\"}");
        Map<String, Object> figures = RunReports.drillFigures(List.of(db, objects, check, refs));
        assertEquals(45_000L, figures.get("rtoMillis"));
        assertEquals(3L, figures.get("tables"));
        assertEquals(1200L, figures.get("rows"));
        assertEquals(40L, figures.get("objects"));
        assertEquals(38L, figures.get("references"));
        assertEquals(0L, figures.get("documents"));
        assertEquals(1000L, figures.get("bytesRestored"));
    }

    @Test
    void aDryRunAddsUpWhatTheInspectionsFoundAndListsWhatARestoreWouldReplace() {
        StepEntity db = step(
                StoreKind.POSTGRES,
                StepAction.INSPECT,
                "{\"database\":\"shop\",\"targetExists\":\"true\",\"bytesToTransfer\":\"100\"}");
        StepEntity objects =
                step(StoreKind.OBJECTSTORE, StepAction.INSPECT, "{\"bytesToTransfer\":\"50\",\"objectsToCopy\":\"4\"}");
        StepEntity search = step(StoreKind.SEARCH, StepAction.INSPECT, "{\"indicesToReplace\":\"products,orders\"}");
        Map<String, Object> report =
                RunReports.dryRun(List.of("0: verify postgres/shop"), List.of(db, objects, search));
        assertEquals(List.of("0: verify postgres/shop"), report.get("steps"));
        assertEquals(150L, report.get("bytesToTransfer"));
        assertEquals(4L, report.get("objectsToCopy"));
        assertEquals(List.of("postgres/shop"), report.get("databasesToReplace"));
        assertEquals(List.of("products", "orders"), report.get("indicesToReplace"));
    }
}
