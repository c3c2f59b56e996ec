package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;

/** What a step is for in a run, from its action and its store's kind. */
final class StepRoles {

    private StepRoles() {}

    static boolean isQuiesce(StepEntity s) {
        return s.action == StepAction.QUIESCE;
    }

    static boolean isResume(StepEntity s) {
        return s.action == StepAction.RESUME;
    }

    static boolean isCapture(StepEntity s) {
        return s.action == StepAction.BACKUP;
    }

    static boolean isSqlCapture(StepEntity s) {
        return isCapture(s) && s.storeKind == StoreKind.POSTGRES;
    }

    static boolean isSearchCapture(StepEntity s) {
        return isCapture(s) && s.storeKind == StoreKind.SEARCH;
    }

    static boolean isObjectCapture(StepEntity s) {
        return isCapture(s) && s.storeKind == StoreKind.OBJECTSTORE;
    }

    static boolean isVerify(StepEntity s) {
        return s.action == StepAction.VERIFY;
    }

    /** Steps that must run even after their run failed: resuming indexing, dropping a drill's scratch targets. */
    static boolean isCleanup(StepEntity s) {
        return s.action == StepAction.RESUME || s.action == StepAction.DROP;
    }

    /** Steps whose events are still applied after their run ended: cleanups, and retention's snapshot deletions. */
    static boolean awaitedAfterEnd(StepEntity s) {
        return isCleanup(s) || s.action == StepAction.EXPIRE;
    }

    /** How a failure names a step: {@code backup of app/shop}. */
    static String describe(StepEntity step) {
        return step.action.name().toLowerCase() + " of " + step.store
                + (step.database == null ? "" : "/" + step.database);
    }
}
