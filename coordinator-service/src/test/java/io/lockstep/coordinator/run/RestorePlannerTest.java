package io.lockstep.coordinator.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RestoreOptions;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand.Parameters;
import io.lockstep.protocol.StoreKind;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RestorePlannerTest {

    static RunEntity backup() {
        RunEntity run = new RunEntity();
        run.id = UUID.randomUUID();
        run.plan = "shop";
        run.type = RunType.BACKUP;
        run.state = RunState.CONSISTENT;
        run.planSpec = new PlanSpec(
                List.of("app", "media", "search"),
                null,
                null,
                null,
                null,
                List.of(new PlanSpec.Reference("app", "shop", "select key from images", "media")),
                null,
                null);
        return run;
    }

    static StepEntity capture(
            RunEntity backup, StoreKind kind, String store, String database, Map<String, String> evidence) {
        StepEntity s = new StepEntity();
        s.id = UUID.randomUUID();
        s.runId = backup.id;
        s.store = store;
        s.storeKind = kind;
        s.action = StepAction.BACKUP;
        s.database = database;
        s.state = StepState.SUCCEEDED;
        s.artifact = "runs/shop/" + backup.id + "/" + store + "/" + (database == null ? "x" : database);
        s.sha256 = "sha-" + store;
        s.bytes = 10L;
        s.evidence = evidence;
        return s;
    }

    final RunEntity backup = backup();
    final List<StepEntity> captures = List.of(
            capture(backup, StoreKind.POSTGRES, "app", "shop", Map.of("censusArtifact", "census", "censusSha256", "c")),
            capture(backup, StoreKind.OBJECTSTORE, "media", null, Map.of()),
            capture(
                    backup,
                    StoreKind.SEARCH,
                    "search",
                    null,
                    Map.of("snapshot", "lockstep-" + backup.id, "documentCounts", "products=42")));

    static RunEntity derived() {
        RunEntity run = new RunEntity();
        run.id = UUID.fromString("12345678-0000-0000-0000-000000000000");
        run.plan = "shop";
        return run;
    }

    @Test
    void anInPlaceRestoreVerifiesFirstQuiescesSearchThenRestoresSqlObjectsAndSnapshotsAndResumesLast() {
        List<String> lines = RestorePlanner.describe(
                RestorePlanner.plan(RunType.RESTORE, derived(), backup, captures, RestoreOptions.DEFAULT));
        assertEquals(
                List.of(
                        "0: verify app/shop",
                        "0: verify media",
                        "0: verify search",
                        "1: quiesce search",
                        "2: restore app/shop in place",
                        "3: restore media in place",
                        "4: restore search in place",
                        "5: check media",
                        "6: resume search"),
                lines);
    }

    @Test
    void aRestoreOfOneDatabaseChecksItsDumpWhileLoadingInsteadOfReadingItTwice() {
        RestoreOptions app = new RestoreOptions(List.of("app"), null, false, false, false);
        assertEquals(
                List.of("2: restore app/shop in place"),
                RestorePlanner.describe(RestorePlanner.plan(RunType.RESTORE, derived(), backup, captures, app)));

        RunEntity hooked = derived();
        hooked.planSpec = new PlanSpec(
                List.of("app"),
                null,
                null,
                null,
                null,
                null,
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                        .objectNode()
                        .put(PlanSpec.HOOK_STOP_DEPENDENTS, "http://app.internal/stop"),
                null);
        assertEquals(
                List.of("0: verify app/shop", "2: restore app/shop in place"),
                RestorePlanner.describe(RestorePlanner.plan(RunType.RESTORE, hooked, backup, captures, app)),
                "a hook would stop the application before a corrupted dump is found");
        assertTrue(
                RestorePlanner.plan(RunType.DRILL, derived(), backup, captures, app).stream()
                        .anyMatch(p -> p.action() == StepAction.VERIFY && p.wave() == RestorePlanner.PREFLIGHT),
                "a drill still verifies its backup first");
        RestoreOptions media = new RestoreOptions(List.of("media"), null, false, false, false);
        assertTrue(
                RestorePlanner.plan(RunType.RESTORE, derived(), backup, captures, media).stream()
                        .anyMatch(p -> p.action() == StepAction.VERIFY),
                "objects are restored in place, blob by blob: checked first");
    }

    @Test
    void anInPlaceSearchRestoreCarriesTheRecordedDocumentCountsToCheckItsCopyBeforeReplacingAnything() {
        PlannedStep search =
                RestorePlanner.plan(RunType.RESTORE, derived(), backup, captures, RestoreOptions.DEFAULT).stream()
                        .filter(p -> p.action() == StepAction.RESTORE && p.kind() == StoreKind.SEARCH)
                        .findFirst()
                        .orElseThrow();
        assertEquals("products=42", search.parameters().get(Parameters.DOCUMENT_COUNTS));
    }

    @Test
    void aDrillRestoresIntoScratchTargetsChecksEveryStoreAndDropsThemWithoutQuiescing() {
        List<PlannedStep> planned =
                RestorePlanner.plan(RunType.DRILL, derived(), backup, captures, RestoreOptions.DEFAULT);
        PlannedStep sql = planned.stream()
                .filter(p -> p.action() == StepAction.RESTORE && p.kind() == StoreKind.POSTGRES)
                .findFirst()
                .orElseThrow();
        assertEquals("shop_lsdrill_12345678", sql.parameters().get(Parameters.TARGET_DATABASE));
        assertTrue(planned.stream().noneMatch(p -> p.action() == StepAction.QUIESCE));
        assertEquals(
                3, planned.stream().filter(p -> p.action() == StepAction.CHECK).count());
        assertEquals(
                3,
                planned.stream()
                        .filter(p -> p.action() == StepAction.DROP && p.wave() == RestorePlanner.RELEASE)
                        .count());
    }

    @Test
    void aStoreTheBackupDoesNotHoldIsRefusedBeforeAnythingIsPlanned() {
        RestoreOptions options = new RestoreOptions(List.of("elsewhere"), null, false, false, false);
        RestoreRejectedException refused = assertThrows(
                RestoreRejectedException.class,
                () -> RestorePlanner.plan(RunType.RESTORE, derived(), backup, captures, options));
        assertEquals(422, refused.status());
    }
}
