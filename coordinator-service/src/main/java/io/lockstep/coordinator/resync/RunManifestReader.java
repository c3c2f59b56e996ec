package io.lockstep.coordinator.resync;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RestoreOptions;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunPhase;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.coordinator.retention.RunStatusRecords;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Reads a run back from its run.json (format 1 or 2) and its newest status record, as the catalog rows
 * {@code manifest/RunManifests} and {@link RunStatusRecords} wrote them from. Pure: no catalog, no repository.
 * <p>
 * Format 1 has no {@code stepDetails}: steps are ordered as listed, without parameters or expected SHA-256, and
 * their snapshot time and LSN are taken back out of the evidence the API view folded them into.
 */
public final class RunManifestReader {

    private static final ObjectMapper MAPPER = EventCodec.mapper();
    private static final TypeReference<Map<String, Object>> OBJECT_MAP = new TypeReference<>() {};
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

    /** The newest run.json format this coordinator writes ({@code manifest/RunManifests}) and reads. */
    public static final int FORMAT = 2;

    private RunManifestReader() {}

    /** A run read back: its row, its steps' rows, and the plan as it was when it ran (hooks without credentials). */
    public record Rebuilt(RunEntity run, List<StepEntity> steps, PlanSpec plan) {}

    /** Reads a run.json; {@link IOException} when it is not one this coordinator can read. */
    public static Rebuilt read(byte[] runJson) throws IOException {
        JsonNode root = MAPPER.readTree(runJson);
        int format = root.path("format").asInt(-1);
        if (format < 1 || format > FORMAT) {
            throw new IOException("run.json format " + root.path("format") + " is not one this coordinator reads (1 to "
                    + FORMAT + ")");
        }
        JsonNode view = root.path("run");
        if (!view.isObject() || !root.path("plan").isObject()) {
            throw new IOException("run.json has no run or no plan");
        }
        PlanSpec plan = MAPPER.treeToValue(root.path("plan"), PlanSpec.class);
        RunEntity run = run(view, plan);
        Map<String, JsonNode> details = new HashMap<>();
        root.path("stepDetails").forEach(d -> details.put(d.path("id").asText(), d));
        List<StepEntity> steps = new ArrayList<>();
        int seq = 0;
        for (JsonNode s : view.path("steps")) {
            steps.add(step(run.id, s, details.get(s.path("id").asText()), seq++));
        }
        return new Rebuilt(run, steps, plan);
    }

    /** Reads a status record. */
    public static RunStatusRecords.Status status(byte[] record) throws IOException {
        RunStatusRecords.Status status = MAPPER.readValue(record, RunStatusRecords.Status.class);
        if (status.format() < 1 || status.format() > RunStatusRecords.FORMAT || status.run() == null) {
            throw new IOException("not a run status record this coordinator reads (format " + status.format() + ")");
        }
        return status;
    }

    private static RunEntity run(JsonNode v, PlanSpec plan) throws IOException {
        RunEntity r = new RunEntity();
        r.id = uuid(v, "id");
        r.plan = text(v, "plan");
        r.type = RunType.valueOf(text(v, "type"));
        r.state = RunState.valueOf(text(v, "state"));
        r.phase = RunPhase.valueOf(text(v, "phase"));
        if (r.id == null || r.plan == null || !r.state.terminal()) {
            throw new IOException("run.json describes no ended run");
        }
        r.planSpec = plan;
        r.consistencyPoint = instant(v, "consistencyPoint");
        r.label = text(v, "label");
        r.pinned = v.path("pinned").asBoolean(false);
        r.bytes = v.path("bytes").asLong(0);
        r.error = text(v, "error");
        r.createdAt = instant(v, "createdAt");
        r.startedAt = instant(v, "startedAt");
        r.endedAt = instant(v, "endedAt");
        r.sourceRunId = uuid(v, "sourceRunId");
        r.options = v.hasNonNull("options") ? MAPPER.treeToValue(v.get("options"), RestoreOptions.class) : null;
        r.result = map(v, "result");
        r.verified = v.path("verified").asBoolean(false);
        r.verifiedAt = instant(v, "verifiedAt");
        r.verification = map(v, "verification");
        r.expiringAt = instant(v, "expiringAt");
        r.expiredAt = instant(v, "expiredAt");
        r.expiryReason = text(v, "expiryReason");
        if (r.createdAt == null) {
            throw new IOException("run.json has no createdAt");
        }
        return r;
    }

    private static StepEntity step(UUID runId, JsonNode v, JsonNode details, int position) throws IOException {
        StepEntity s = new StepEntity();
        s.id = uuid(v, "id");
        s.runId = runId;
        s.store = text(v, "store");
        s.storeKind = StoreKind.valueOf(text(v, "kind"));
        s.action = StepAction.valueOf(text(v, "action"));
        s.database = text(v, "database");
        s.wave = v.path("wave").asInt(0);
        s.state = StepState.valueOf(text(v, "state"));
        s.agentId = text(v, "agent");
        s.artifact = text(v, "artifact");
        s.bytes = v.hasNonNull("bytes") ? v.get("bytes").asLong() : null;
        s.items = v.hasNonNull("items") ? v.get("items").asLong() : null;
        s.progressAt = instant(v, "progressAt");
        s.sha256 = text(v, "sha256");
        s.error = text(v, "error");
        s.createdAt = instant(v, "createdAt");
        s.dispatchedAt = instant(v, "dispatchedAt");
        s.acceptedAt = instant(v, "acceptedAt");
        s.startedAt = instant(v, "startedAt");
        s.endedAt = instant(v, "endedAt");
        s.deadline = instant(v, "deadline");
        if (s.id == null || s.store == null || s.createdAt == null) {
            throw new IOException("a step in run.json has no id, store or createdAt");
        }
        if (details != null) {
            s.seq = details.path("seq").asInt(position);
            s.parameters = strings(details, "parameters");
            s.evidence = strings(details, "evidence");
            s.expectedSha256 = text(details, "expectedSha256");
            s.snapshotAt = instant(details, "snapshotAt");
            s.snapshotLsn = text(details, "snapshotLsn");
        } else {
            // Format 1: the view folded the snapshot's time and LSN into the evidence.
            Map<String, String> evidence = new TreeMap<>(strings(v, "evidence"));
            String time = evidence.remove("snapshotTime");
            s.snapshotAt = time == null ? null : Instant.parse(time);
            s.snapshotLsn = evidence.remove("lsn");
            s.evidence = evidence;
            s.seq = position;
        }
        return s;
    }

    private static String text(JsonNode v, String field) {
        JsonNode n = v.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static UUID uuid(JsonNode v, String field) throws IOException {
        String t = text(v, field);
        try {
            return t == null ? null : UUID.fromString(t);
        } catch (IllegalArgumentException e) {
            throw new IOException(field + " is not a UUID: " + t);
        }
    }

    private static Instant instant(JsonNode v, String field) throws IOException {
        return v.hasNonNull(field) ? MAPPER.treeToValue(v.get(field), Instant.class) : null;
    }

    private static Map<String, Object> map(JsonNode v, String field) {
        return v.hasNonNull(field) ? MAPPER.convertValue(v.get(field), OBJECT_MAP) : null;
    }

    private static Map<String, String> strings(JsonNode v, String field) {
        return v.hasNonNull(field) ? MAPPER.convertValue(v.get(field), STRING_MAP) : Map.of();
    }
}
