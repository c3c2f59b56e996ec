package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.protocol.StepAction;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Decides from the recorded facts alone whether a backup run is consistent. It trusts no flag: it re-derives
 * every condition from the steps' timestamps, hashes and verification results.
 */
public final class BackupEvidence {

    /**
     * The verdict.
     *
     * @param consistent whether every condition holds
     * @param reason the first condition that does not hold, or null
     * @param consistencyPoint the latest SQL snapshot time, the instant the backup represents
     */
    public record Verdict(boolean consistent, String reason, Instant consistencyPoint) {
        static Verdict fail(String reason) {
            return new Verdict(false, reason, null);
        }
    }

    private BackupEvidence() {
    }

    public static Verdict judge(List<StepEntity> steps) {
        List<StepEntity> captures = steps.stream().filter(s -> s.action == StepAction.BACKUP).toList();
        if (captures.isEmpty()) {
            return Verdict.fail("the run captured nothing");
        }
        Map<String, StepEntity> verifications = steps.stream().filter(s -> s.action == StepAction.VERIFY)
                .filter(s -> s.artifact != null)
                .collect(Collectors.toMap(s -> s.artifact, Function.identity(), (a, b) -> a));
        Instant point = null;
        for (StepEntity capture : captures) {
            String what = describe(capture);
            if (capture.state != StepState.SUCCEEDED) {
                return Verdict.fail(what + " did not succeed (" + capture.state + ")");
            }
            if (capture.snapshotAt == null) {
                return Verdict.fail(what + " reported no SQL snapshot point");
            }
            if (capture.endedAt != null && capture.snapshotAt.isAfter(capture.endedAt)) {
                return Verdict.fail(what + " reports its snapshot at " + capture.snapshotAt + ", after its dump ended at "
                        + capture.endedAt);
            }
            if (capture.artifact == null || capture.sha256 == null || capture.bytes == null || capture.bytes <= 0) {
                return Verdict.fail(what + " recorded no artifact, size or SHA-256");
            }
            StepEntity verify = verifications.get(capture.artifact);
            if (verify == null || verify.state != StepState.SUCCEEDED) {
                return Verdict.fail("artifact " + capture.artifact + " was not verified");
            }
            if (!capture.sha256.equalsIgnoreCase(Objects.toString(verify.sha256, ""))) {
                return Verdict.fail("artifact " + capture.artifact + " re-reads with SHA-256 " + verify.sha256
                        + " but was written with " + capture.sha256);
            }
            if (!Objects.equals(verify.bytes, capture.bytes)) {
                return Verdict.fail("artifact " + capture.artifact + " re-reads as " + verify.bytes + " bytes but "
                        + capture.bytes + " were written");
            }
            long entries = parseLong(Json.readMap(verify.evidence).get("tocEntries"));
            if (entries <= 0) {
                return Verdict.fail("pg_restore --list found no entries in " + capture.artifact);
            }
            point = point == null || capture.snapshotAt.isAfter(point) ? capture.snapshotAt : point;
        }
        return new Verdict(true, null, point);
    }

    static String describe(StepEntity step) {
        return step.action.name().toLowerCase() + " of " + step.store
                + (step.database == null ? "" : "/" + step.database);
    }

    private static long parseLong(String value) {
        try {
            return value == null ? 0 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
