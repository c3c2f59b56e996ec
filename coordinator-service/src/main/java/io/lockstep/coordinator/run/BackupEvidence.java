package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.Json;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand.Parameters;
import io.lockstep.protocol.StoreKind;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Decides from the recorded facts alone whether a backup run is consistent ({@link Rule#CONSISTENT_ONLY_WITH_EVIDENCE}).
 * It trusts no flag: it re-derives every ordering rule the stages' gates enforced ({@link BackupStage}) from the
 * steps' timestamps, and every artifact's integrity from what verification read back. A failure names its
 * {@link Rule}. The times come from several clocks (PostgreSQL's, the agents', Elasticsearch's); keep them in sync
 * (NTP), as for any distributed backup.
 */
public final class BackupEvidence {

    /**
     * The verdict.
     *
     * @param consistent whether every condition holds
     * @param reason the first condition that does not hold, or null
     * @param consistencyPoint the instant the backup represents: the latest SQL snapshot
     */
    public record Verdict(boolean consistent, String reason, Instant consistencyPoint) {
        static Verdict fail(Rule rule, String reason) {
            return new Verdict(false, rule.cite() + ": " + reason, null);
        }
    }

    private BackupEvidence() {}

    public static Verdict judge(List<StepEntity> steps) {
        List<StepEntity> captures =
                steps.stream().filter(s -> s.action == StepAction.BACKUP).toList();
        if (captures.isEmpty()) {
            return Verdict.fail(Rule.CONSISTENT_ONLY_WITH_EVIDENCE, "the run captured nothing");
        }
        for (StepEntity step : steps) {
            if (step.state != StepState.SUCCEEDED) {
                return Verdict.fail(
                        Rule.CONSISTENT_ONLY_WITH_EVIDENCE, describe(step) + " did not succeed (" + step.state + ")");
            }
        }
        Map<String, StepEntity> verifications = steps.stream()
                .filter(s -> s.action == StepAction.VERIFY)
                .filter(s -> s.artifact != null)
                .collect(Collectors.toMap(s -> s.artifact, Function.identity(), (a, b) -> a));

        // Integrity of every artifact, as verification read it back.
        for (StepEntity capture : captures) {
            String problem = checkArtifact(capture, verifications.get(capture.artifact), captures);
            if (problem != null) {
                return Verdict.fail(Rule.CONSISTENT_ONLY_WITH_EVIDENCE, problem);
            }
        }

        // SQL_BEFORE_OBJECTS needs the consistency point: the latest SQL snapshot.
        List<StepEntity> sql =
                captures.stream().filter(s -> s.storeKind == StoreKind.POSTGRES).toList();
        Instant point = sql.stream()
                .map(s -> s.snapshotAt)
                .max(Comparator.naturalOrder())
                .orElse(null);

        // QUIESCE_FIRST: every search store acknowledged its quiesce before anything was captured.
        List<StepEntity> quiesces =
                steps.stream().filter(s -> s.action == StepAction.QUIESCE).toList();
        for (StepEntity quiesce : quiesces) {
            Instant acked = time(quiesce, "quiescedAt");
            if (acked == null) {
                return Verdict.fail(Rule.QUIESCE_FIRST, describe(quiesce) + " recorded no acknowledgement time");
            }
            for (StepEntity s : sql) {
                if (s.snapshotAt.isBefore(acked)) {
                    return Verdict.fail(
                            Rule.QUIESCE_FIRST,
                            describe(s) + " took its snapshot at " + s.snapshotAt + ", before " + quiesce.store
                                    + " was quiesced at " + acked);
                }
            }
            for (StepEntity search : captures.stream()
                    .filter(s -> s.storeKind == StoreKind.SEARCH)
                    .toList()) {
                Instant started = time(search, "snapshotStartedAt");
                if (started != null && started.isBefore(acked)) {
                    return Verdict.fail(
                            Rule.QUIESCE_FIRST,
                            describe(search) + " started at " + started + ", before " + quiesce.store
                                    + " was quiesced at " + acked);
                }
            }
        }

        // SQL_BEFORE_OBJECTS: object listings start only after every SQL snapshot point.
        for (StepEntity objects : captures.stream()
                .filter(s -> s.storeKind == StoreKind.OBJECTSTORE)
                .toList()) {
            Instant listed = time(objects, "listingStartedAt");
            if (listed == null) {
                return Verdict.fail(Rule.SQL_BEFORE_OBJECTS, describe(objects) + " recorded no listing start");
            }
            if (point != null && listed.isBefore(point)) {
                return Verdict.fail(
                        Rule.SQL_BEFORE_OBJECTS,
                        describe(objects) + " started listing at " + listed + ", before the SQL consistency point "
                                + point);
            }
        }

        // SEARCH_WHILE_QUIESCED: snapshots inside the quiet window; released only after every SQL snapshot point.
        for (StepEntity search :
                captures.stream().filter(s -> s.storeKind == StoreKind.SEARCH).toList()) {
            Instant started = time(search, "snapshotStartedAt");
            Instant ended = time(search, "snapshotEndedAt");
            Optional<StepEntity> resume = steps.stream()
                    .filter(s -> s.action == StepAction.RESUME)
                    .filter(s -> s.store.equals(search.store))
                    .findFirst();
            if (started == null || ended == null) {
                return Verdict.fail(
                        Rule.SEARCH_WHILE_QUIESCED, describe(search) + " recorded no snapshot start or end");
            }
            if (resume.isEmpty() || time(resume.get(), "resumedAt") == null) {
                return Verdict.fail(Rule.SEARCH_WHILE_QUIESCED, "store " + search.store + " has no recorded release");
            }
            if (!"true".equals(resume.get().evidence.get(EvidenceKeys.LEASE_UNBROKEN))) {
                return Verdict.fail(
                        Rule.SEARCH_WHILE_QUIESCED,
                        "the quiesce lease of store " + search.store + " lapsed or was lost before its"
                                + " release (the agent restarted or stopped being renewed): the quiet window has a gap");
            }
            Instant released = time(resume.get(), "resumedAt");
            if (released.isBefore(ended)) {
                return Verdict.fail(
                        Rule.SEARCH_WHILE_QUIESCED,
                        search.store + " was released at " + released + ", before its snapshot ended at " + ended);
            }
            Instant releaseRequested = resume.get().dispatchedAt;
            if (point != null && releaseRequested != null && releaseRequested.isBefore(point)) {
                return Verdict.fail(
                        Rule.SEARCH_WHILE_QUIESCED,
                        search.store + " was released at " + releaseRequested + ", before the last SQL snapshot point "
                                + point);
            }
        }

        if (point == null) {
            point = quiesces.stream()
                    .map(q -> time(q, "quiescedAt"))
                    .filter(Objects::nonNull)
                    .max(Comparator.naturalOrder())
                    .orElseGet(() -> captures.stream()
                            .map(c -> Optional.ofNullable(time(c, "listingStartedAt"))
                                    .orElse(c.startedAt))
                            .filter(Objects::nonNull)
                            .min(Comparator.naturalOrder())
                            .orElse(null));
        }
        return new Verdict(true, null, point);
    }

    private static String checkArtifact(StepEntity capture, StepEntity verify, List<StepEntity> captures) {
        String what = describe(capture);
        if (verify == null) {
            return "artifact " + capture.artifact + " was not verified";
        }
        Map<String, String> read = verify.evidence;
        switch (capture.storeKind) {
            case POSTGRES -> {
                if (capture.snapshotAt == null) {
                    return what + " reported no SQL snapshot point";
                }
                if (capture.endedAt != null && capture.snapshotAt.isAfter(capture.endedAt)) {
                    return what + " reports its snapshot at " + capture.snapshotAt + ", after its dump ended at "
                            + capture.endedAt;
                }
                String sameBytes = sameBytes(capture, verify);
                if (sameBytes != null) {
                    return sameBytes;
                }
                if (Json.number(read.get("tocEntries")) <= 0) {
                    return "pg_restore --list found no entries in " + capture.artifact;
                }
            }
            case OBJECTSTORE -> {
                String sameBytes = sameBytes(capture, verify);
                if (sameBytes != null) {
                    return sameBytes;
                }
                if (!"0".equals(read.get("blobsMissing"))) {
                    return "the object manifest " + capture.artifact + " is not complete";
                }
                String references = checkReferences(capture, verify, captures);
                if (references != null) {
                    return references;
                }
            }
            case SEARCH -> {
                Map<String, String> taken = capture.evidence;
                if (!"SUCCESS".equals(taken.get("state")) || !"SUCCESS".equals(read.get("state"))) {
                    return what + " is not a SUCCESS snapshot (" + taken.get("state") + ")";
                }
                if (Json.number(taken.get("shardsFailed")) != 0 || Json.number(read.get("shardsFailed")) != 0) {
                    return what + " has failed shards";
                }
            }
        }
        return null;
    }

    /**
     * The cross-store reference check of an object manifest: when its verification was asked to resolve reference
     * keys, it must have recorded how many it resolved and how many dangle (a missing count fails, it never passes),
     * none may dangle, and the count must equal the keys the SQL captures recorded under their snapshots.
     */
    private static String checkReferences(StepEntity capture, StepEntity verify, List<StepEntity> captures) {
        Map<String, String> read = verify.evidence;
        String asked = verify.parameters == null ? null : verify.parameters.get(Parameters.REFERENCE_ARTIFACTS);
        List<String> artifacts = asked == null || asked.isBlank()
                ? List.of()
                : Arrays.stream(asked.split(","))
                        .map(String::strip)
                        .filter(a -> !a.isEmpty())
                        .toList();
        if (artifacts.isEmpty()) {
            if (read.containsKey(EvidenceKeys.DANGLING) && Json.number(read.get(EvidenceKeys.DANGLING)) != 0) {
                return read.get(EvidenceKeys.DANGLING) + " dangling references in " + capture.store;
            }
            return null;
        }
        String dangling = read.get(EvidenceKeys.DANGLING);
        if (!isCount(dangling)) {
            return "the verification of " + capture.artifact + " recorded no dangling-reference count (" + dangling
                    + ") although it had to resolve " + artifacts;
        }
        if (Long.parseLong(dangling) != 0) {
            return dangling + " dangling references in " + capture.store;
        }
        String resolved = read.get(EvidenceKeys.REFERENCES);
        if (!isCount(resolved)) {
            return "the verification of " + capture.artifact + " recorded no reference count (" + resolved + ")";
        }
        long recorded = 0;
        for (String artifact : artifacts) {
            Optional<StepEntity> sql = captures.stream()
                    .filter(c -> c.storeKind == StoreKind.POSTGRES)
                    .filter(c -> artifact.equals(c.evidence.get(EvidenceKeys.REFERENCE_ARTIFACT)))
                    .findFirst();
            if (sql.isEmpty() || !isCount(sql.get().evidence.get(EvidenceKeys.REFERENCE_KEYS))) {
                return "no SQL capture recorded the reference keys of " + artifact;
            }
            recorded += Long.parseLong(sql.get().evidence.get(EvidenceKeys.REFERENCE_KEYS));
        }
        if (Long.parseLong(resolved) != recorded) {
            return "the verification of " + capture.artifact + " resolved " + resolved + " reference keys but the SQL"
                    + " captures recorded " + recorded;
        }
        return null;
    }

    private static boolean isCount(String value) {
        if (value == null) {
            return false;
        }
        try {
            return Long.parseLong(value) >= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String sameBytes(StepEntity capture, StepEntity verify) {
        if (capture.artifact == null || capture.sha256 == null || capture.bytes == null || capture.bytes <= 0) {
            return describe(capture) + " recorded no artifact, size or SHA-256";
        }
        if (!capture.sha256.equalsIgnoreCase(Objects.toString(verify.sha256, ""))) {
            return "artifact " + capture.artifact + " re-reads with SHA-256 " + verify.sha256 + " but was written with "
                    + capture.sha256;
        }
        if (!Objects.equals(verify.bytes, capture.bytes)) {
            return "artifact " + capture.artifact + " re-reads as " + verify.bytes + " bytes but " + capture.bytes
                    + " were written";
        }
        return null;
    }

    static Instant time(StepEntity step, String field) {
        String value = step.evidence.get(field);
        try {
            return value == null ? null : Instant.parse(value);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String describe(StepEntity step) {
        return StepRoles.describe(step);
    }
}
