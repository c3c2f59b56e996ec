package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.RestoreOptions;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand.Parameters;
import io.lockstep.protocol.StoreKind;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Plans a restore with {@code "pointInTime"}: the chosen backup's base backups of its PostgreSQL stores with
 * point-in-time recovery, each recovered by its agent into a new cluster and replayed with the store's archived WAL
 * to the target time (one RESTORE step per store, in the SQL wave). Refused with 422 unless every restored store has a
 * base backup in the run, the target is not before that base backup was consistent and not in the future, and no
 * other kind of store or target is asked for: objects and search are restored from the latest CONSISTENT run at or
 * before the target time, in a restore of their own (docs/architecture.md, "Point-in-time recovery").
 */
final class PointInTimePlan {

    private PointInTimePlan() {}

    /** The target time, checked against the clock and against every chosen base backup. */
    static Instant target(RestoreOptions options, List<StepEntity> chosen, Instant now) {
        Instant target;
        try {
            target = Instant.parse(options.pointInTime());
        } catch (DateTimeParseException e) {
            throw rejected("pointInTime must be an ISO-8601 instant such as 2026-11-30T15:04:05.123Z, not '"
                    + options.pointInTime() + "'");
        }
        if (target.isAfter(now)) {
            throw rejected("pointInTime " + target + " is in the future (now " + now + ")");
        }
        for (StepEntity c : chosen) {
            Instant consistent = Instant.parse(c.evidence.get(EvidenceKeys.BASE_BACKUP_ENDED_AT));
            if (target.isBefore(consistent)) {
                throw rejected("pointInTime " + target + " is before the base backup of " + c.store + " was"
                        + " consistent (" + consistent + "); choose an earlier backup, or a later time");
            }
        }
        return target;
    }

    /** The captures to recover: for each selected store, the one step that holds its base backup. */
    static List<StepEntity> captures(
            RunEntity source, List<StepEntity> captures, RestoreOptions options, RunType type) {
        if (type != RunType.RESTORE) {
            throw rejected("pointInTime applies to a restore only, not to a "
                    + type.name().toLowerCase(java.util.Locale.ROOT)
                    + " (a dry run of a point-in-time recovery is not supported yet)");
        }
        if (options.targets() != null && !options.targets().isEmpty()) {
            throw rejected("a point-in-time recovery always creates a new cluster; drop \"targets\"");
        }
        if (options.isPrune()) {
            throw rejected("\"prune\" concerns objects, which a point-in-time recovery does not restore");
        }
        List<StepEntity> bases = captures.stream()
                .filter(c -> c.storeKind == StoreKind.POSTGRES
                        && c.evidence != null
                        && c.evidence.containsKey(EvidenceKeys.BASE_BACKUP_ARTIFACT))
                .toList();
        List<String> withBase = bases.stream().map(c -> c.store).distinct().toList();
        List<String> asked = options.stores() == null || options.stores().isEmpty() ? withBase : options.stores();
        List<String> without = asked.stream().filter(s -> !withBase.contains(s)).toList();
        if (!without.isEmpty() || asked.isEmpty()) {
            throw rejected("run " + source.id + " holds no base backup of " + (asked.isEmpty() ? "any store" : without)
                    + (withBase.isEmpty() ? "" : " (it has base backups of " + withBase + ")")
                    + ": point-in-time recovery needs a PostgreSQL store with point-in-time-recovery=true; restore"
                    + " objects and search from the latest CONSISTENT run at or before the target time");
        }
        return bases.stream().filter(c -> asked.contains(c.store)).toList();
    }

    /** One RESTORE step per chosen base backup, in the SQL wave. */
    static List<PlannedStep> plan(List<StepEntity> chosen, Instant target) {
        List<PlannedStep> planned = new ArrayList<>();
        for (StepEntity c : chosen) {
            Map<String, String> e = c.evidence;
            planned.add(new PlannedStep(
                    c.store,
                    c.storeKind,
                    StepAction.RESTORE,
                    c.database,
                    e.get(EvidenceKeys.BASE_BACKUP_ARTIFACT),
                    e.get(EvidenceKeys.BASE_BACKUP_SHA256),
                    RestorePlanner.SQL,
                    Map.of(
                            Parameters.POINT_IN_TIME, target.toString(),
                            Parameters.BASE_BACKUP_ARTIFACT, e.get(EvidenceKeys.BASE_BACKUP_ARTIFACT),
                            Parameters.BASE_BACKUP_SHA256, e.get(EvidenceKeys.BASE_BACKUP_SHA256),
                            EvidenceKeys.BASE_BACKUP_START_LSN, e.get(EvidenceKeys.BASE_BACKUP_START_LSN))));
        }
        return planned;
    }

    private static RestoreRejectedException rejected(String detail) {
        return new RestoreRejectedException(422, "Point-in-time recovery not possible", detail);
    }
}
