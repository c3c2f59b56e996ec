package io.lockstep.cli;

import static io.lockstep.cli.Format.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** {@code runs show}: a run as text: summary, steps, evidence, artifacts, result and a timeline. */
final class RunReport {

    private RunReport() {}

    /** One moment of the timeline. */
    record Moment(Instant at, String what) {}

    static String render(JsonNode run) {
        StringBuilder out = new StringBuilder();
        PlansCommand.line(out, "run", text(run, "id"));
        PlansCommand.line(out, "plan", text(run, "plan"));
        PlansCommand.line(out, "type", text(run, "type"));
        PlansCommand.line(out, "state", text(run, "state") + " (" + text(run, "phase") + ")");
        for (JsonNode warning : run.path("warnings")) {
            PlansCommand.line(out, "WARNING", warning.asText());
        }
        PlansCommand.line(out, "source run", text(run, "sourceRunId"));
        PlansCommand.line(out, "label", text(run, "label"));
        PlansCommand.line(out, "pinned", run.path("pinned").asBoolean() ? "yes" : null);
        PlansCommand.line(out, "consistency point", Format.time(Format.instant(run.get("consistencyPoint"))));
        PlansCommand.line(out, "created", Format.time(Format.instant(run.get("createdAt"))));
        PlansCommand.line(out, "ended", Format.time(Format.instant(run.get("endedAt"))));
        if (run.hasNonNull("durationMillis")) {
            PlansCommand.line(
                    out,
                    "duration",
                    Format.duration(Duration.ofMillis(run.get("durationMillis").asLong())));
        }
        PlansCommand.line(
                out, "bytes", run.has("bytes") ? Format.bytes(run.path("bytes").asLong()) : null);
        if (run.hasNonNull("verified")) {
            PlansCommand.line(
                    out,
                    "verified",
                    run.get("verified").asBoolean()
                            ? "yes, " + Format.time(Format.instant(run.get("verifiedAt")))
                            : "no");
        }
        PlansCommand.line(out, "expired", Format.time(Format.instant(run.get("expiredAt"))));
        PlansCommand.line(out, "expiry reason", text(run, "expiryReason"));
        PlansCommand.line(out, "error", text(run, "error"));

        JsonNode steps = run.path("steps");
        out.append("\nSTEPS\n");
        Table table = new Table("WAVE", "ACTION", "STORE", "KIND", "STATE", "AGENT", "BYTES", "DURATION", "ERROR");
        for (JsonNode step : steps) {
            Instant started = Format.instant(step.get("startedAt"));
            Instant ended = Format.instant(step.get("endedAt"));
            table.row(
                    step.path("wave").asInt(),
                    text(step, "action"),
                    RunFollower.where(step),
                    text(step, "kind"),
                    text(step, "state"),
                    text(step, "agent"),
                    step.hasNonNull("bytes") ? Format.bytes(step.get("bytes").asLong()) : null,
                    started != null && ended != null ? Format.duration(Duration.between(started, ended)) : null,
                    Format.clip(text(step, "error"), 80));
        }
        out.append(table.isEmpty() ? "(no steps)\n" : table.render());

        JsonNode evidence = run.path("evidence");
        if (evidence.size() > 0) {
            out.append("\nEVIDENCE\n");
            Iterator<Map.Entry<String, JsonNode>> kinds = evidence.fields();
            while (kinds.hasNext()) {
                Map.Entry<String, JsonNode> kind = kinds.next();
                for (JsonNode row : kind.getValue()) {
                    out.append("  ").append(kind.getKey()).append(":");
                    row.fields()
                            .forEachRemaining(f -> out.append(' ')
                                    .append(f.getKey())
                                    .append('=')
                                    .append(f.getValue().asText()));
                    out.append('\n');
                }
            }
        }

        Table artifacts = new Table("ARTIFACT", "BYTES", "SHA-256");
        for (JsonNode step : steps) {
            if (step.hasNonNull("artifact") && "BACKUP".equals(text(step, "action"))) {
                artifacts.row(
                        text(step, "artifact"),
                        step.hasNonNull("bytes")
                                ? Format.bytes(step.get("bytes").asLong())
                                : null,
                        text(step, "sha256"));
            }
        }
        if (!artifacts.isEmpty()) {
            out.append("\nARTIFACTS\n").append(artifacts.render());
        }
        appendObject(out, "RESULT", run.path("result"));
        appendObject(out, "VERIFICATION", run.path("verification"));

        List<Moment> moments = timeline(run);
        if (!moments.isEmpty()) {
            out.append("\nTIMELINE\n");
            Instant zero = moments.get(0).at();
            for (Moment m : moments) {
                out.append(String.format(
                        "  %s  +%-9s %s%n",
                        Format.clock(m.at()), Format.duration(Duration.between(zero, m.at())), m.what()));
            }
        }
        return out.toString();
    }

    private static void appendObject(StringBuilder out, String heading, JsonNode node) {
        if (node.isObject() && node.size() > 0) {
            out.append('\n').append(heading).append('\n');
            node.fields()
                    .forEachRemaining(f -> out.append("  ")
                            .append(f.getKey())
                            .append(": ")
                            .append(
                                    f.getValue().isValueNode()
                                            ? f.getValue().asText()
                                            : f.getValue().toString())
                            .append('\n'));
        }
    }

    /** Every recorded moment of the run and its steps, oldest first. */
    static List<Moment> timeline(JsonNode run) {
        List<Moment> moments = new ArrayList<>();
        add(moments, run.get("createdAt"), "run created");
        add(moments, run.get("startedAt"), "run started");
        for (JsonNode step : run.path("steps")) {
            String name = text(step, "action") + " " + RunFollower.where(step);
            add(moments, step.get("dispatchedAt"), name + " dispatched");
            add(moments, step.get("acceptedAt"), name + " accepted by " + text(step, "agent"));
            add(moments, step.get("startedAt"), name + " started");
            JsonNode e = step.path("evidence");
            add(moments, e.get("quiescedAt"), name + ": quiesced");
            add(
                    moments,
                    e.get("snapshotTime"),
                    name + ": SQL snapshot"
                            + (e.hasNonNull("lsn") ? " at LSN " + e.get("lsn").asText() : ""));
            add(moments, e.get("listingStartedAt"), name + ": object listing started");
            add(moments, e.get("snapshotStartedAt"), name + ": search snapshot started");
            add(moments, e.get("snapshotEndedAt"), name + ": search snapshot ended");
            add(moments, e.get("resumedAt"), name + ": released");
            String bytes = step.hasNonNull("bytes")
                    ? " (" + Format.bytes(step.get("bytes").asLong()) + ")"
                    : "";
            add(moments, step.get("endedAt"), name + " " + text(step, "state") + bytes);
        }
        add(moments, run.get("consistencyPoint"), "consistency point");
        add(moments, run.get("endedAt"), "run ended " + text(run, "state"));
        moments.sort(Comparator.comparing(Moment::at));
        return moments;
    }

    private static void add(List<Moment> moments, JsonNode at, String what) {
        Instant instant = Format.instant(at);
        if (instant != null) {
            moments.add(new Moment(instant, what));
        }
    }
}
