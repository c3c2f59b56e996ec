package io.lockstep.coordinator.run;

import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import java.util.Map;

/**
 * A step to create, as {@link BackupPlanner} or {@link RestorePlanner} planned it: everything but ids, state and
 * timestamps.
 *
 * @param wave the wave of a restore, drill, dry run or re-verification; 0 for a backup's steps
 * @param parameters the command's parameters fixed at planning time
 */
public record PlannedStep(
        String store,
        StoreKind kind,
        StepAction action,
        String database,
        String artifact,
        String expectedSha256,
        int wave,
        Map<String, String> parameters) {

    /** A backup's step: no expected hash, no wave, parameters decided when it is dispatched. */
    static PlannedStep backup(String store, StoreKind kind, StepAction action, String database, String artifact) {
        return new PlannedStep(store, kind, action, database, artifact, null, 0, Map.of());
    }
}
