package io.lockstep.coordinator.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.catalog.RestoreOptions;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand.Parameters;
import io.lockstep.protocol.StoreKind;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checks and the plan of a restore with {@code "pointInTime"}. */
class PointInTimePlanTest {

    static final String CONSISTENT_AT = "2026-11-30T10:00:05Z";

    final RunEntity backup = RestorePlannerTest.backup();
    final List<StepEntity> captures = List.of(
            RestorePlannerTest.capture(
                    backup,
                    StoreKind.POSTGRES,
                    "app",
                    "shop",
                    Map.of(
                            "baseBackupArtifact", "runs/shop/x/app/cluster.base.tar.zst",
                            "baseBackupSha256", "base-sha",
                            "baseBackupStartLsn", "0/3000028",
                            "baseBackupEndedAt", CONSISTENT_AT)),
            RestorePlannerTest.capture(backup, StoreKind.POSTGRES, "app", "orders", Map.of()),
            RestorePlannerTest.capture(backup, StoreKind.OBJECTSTORE, "media", null, Map.of()));

    static RestoreOptions at(String time, List<String> stores) {
        return new RestoreOptions(stores, null, false, false, false, time);
    }

    List<PlannedStep> plan(RunType type, RestoreOptions options) {
        return RestorePlanner.plan(type, RestorePlannerTest.derived(), backup, captures, options);
    }

    @Test
    void oneRecoveryOfTheClusterFromItsBaseBackupToTheTargetTime() {
        List<PlannedStep> planned = plan(RunType.RESTORE, at("2026-11-30T10:00:07.5Z", null));

        assertEquals(1, planned.size(), planned::toString);
        PlannedStep step = planned.get(0);
        assertEquals(StepAction.RESTORE, step.action());
        assertEquals("app", step.store());
        assertEquals("runs/shop/x/app/cluster.base.tar.zst", step.artifact());
        assertEquals("base-sha", step.expectedSha256());
        assertEquals(RestorePlanner.SQL, step.wave());
        assertEquals("2026-11-30T10:00:07.500Z", step.parameters().get(Parameters.POINT_IN_TIME));
        assertEquals("0/3000028", step.parameters().get("baseBackupStartLsn"));
    }

    @Test
    void aTargetBeforeTheBaseBackupWasConsistentOrInTheFutureOrUnreadableIs422() {
        RestoreRejectedException before = assertThrows(
                RestoreRejectedException.class, () -> plan(RunType.RESTORE, at("2026-11-30T10:00:04Z", null)));
        assertEquals(422, before.status());
        assertTrue(
                before.getMessage().contains("before the base backup of app was consistent (" + CONSISTENT_AT + ")"),
                before.getMessage());

        String tomorrow = Instant.now().plusSeconds(86_400).toString();
        RestoreRejectedException future =
                assertThrows(RestoreRejectedException.class, () -> plan(RunType.RESTORE, at(tomorrow, null)));
        assertEquals(422, future.status());
        assertTrue(future.getMessage().contains("is in the future"), future.getMessage());

        RestoreRejectedException garbled =
                assertThrows(RestoreRejectedException.class, () -> plan(RunType.RESTORE, at("yesterday", null)));
        assertEquals(422, garbled.status());
        assertTrue(garbled.getMessage().contains("ISO-8601"), garbled.getMessage());

        // exactly the consistency point is reachable
        assertEquals(1, plan(RunType.RESTORE, at(CONSISTENT_AT, null)).size());
    }

    @Test
    void storesWithoutABaseBackupTargetsAndDryRunsAreRefused() {
        RestoreRejectedException media = assertThrows(
                RestoreRejectedException.class,
                () -> plan(RunType.RESTORE, at(CONSISTENT_AT, List.of("app", "media"))));
        assertEquals(422, media.status());
        assertTrue(media.getMessage().contains("holds no base backup of [media]"), media.getMessage());
        assertTrue(
                media.getMessage().contains("latest CONSISTENT run at or before the target time"), media.getMessage());

        RestoreOptions targets = new RestoreOptions(
                null,
                Map.of("app", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()),
                false,
                false,
                false,
                CONSISTENT_AT);
        assertEquals(
                422,
                assertThrows(RestoreRejectedException.class, () -> plan(RunType.RESTORE, targets))
                        .status());
        assertEquals(
                422,
                assertThrows(RestoreRejectedException.class, () -> plan(RunType.DRY_RUN, at(CONSISTENT_AT, null)))
                        .status());

        List<StepEntity> noBase = captures.subList(1, 3);
        RestoreRejectedException none = assertThrows(
                RestoreRejectedException.class,
                () -> RestorePlanner.plan(
                        RunType.RESTORE, RestorePlannerTest.derived(), backup, noBase, at(CONSISTENT_AT, null)));
        assertTrue(none.getMessage().contains("holds no base backup of any store"), none.getMessage());
    }
}
