package io.lockstep.cli;

import static io.lockstep.cli.ApiClient.segment;
import static io.lockstep.cli.Format.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Follows a run until it ends, from the coordinator's event stream ({@code GET /api/v1/runs/{id}/events}, the run each
 * time it changed); a stream that ends before the run did is opened again, and a coordinator without the stream is
 * polled ({@code GET /api/v1/runs/{id}} every polling interval). In human mode it prints a line whenever the run's
 * state or phase, or a step's state, bytes, object count or rate changes; in JSON mode the run each time it changed,
 * one JSON document per line ({@code quiet}: nothing until the end).
 */
final class RunFollower {

    static final Set<String> TERMINAL = Set.of("CONSISTENT", "SUCCEEDED", "FAILED", "CANCELLED");
    static final Set<String> FAILED = Set.of("FAILED", "CANCELLED");

    private final Session s;
    private final boolean quietJson;
    private final Map<String, String> seen = new HashMap<>();
    private final Map<String, JsonNode> previous = new HashMap<>();
    private String runSeen;
    private String jsonSeen;

    /** @param quietJson in JSON mode, print nothing while following (the caller prints the final run) */
    RunFollower(Session s, boolean quietJson) {
        this.s = s;
        this.quietJson = quietJson;
    }

    /** Follows until the run ends and returns its last reading. */
    JsonNode follow(String runId) {
        JsonNode[] last = new JsonNode[1];
        while (s.api.stream("/api/v1/runs/" + segment(runId) + "/events", run -> {
            last[0] = run;
            report(run);
        })) {
            if (last[0] != null && TERMINAL.contains(text(last[0], "state"))) {
                if (!s.json) {
                    s.println(summary(last[0]));
                }
                return last[0];
            }
            s.pause(); // the stream ended early (a coordinator restarted, a proxy cut it): open it again
        }
        while (true) {
            JsonNode run = s.api.get("/api/v1/runs/" + segment(runId)).body();
            report(run);
            if (TERMINAL.contains(text(run, "state"))) {
                if (!s.json) {
                    s.println(summary(run));
                }
                return run;
            }
            s.pause();
        }
    }

    /** 0 for a run that ended CONSISTENT or SUCCEEDED, 1 for FAILED or CANCELLED. */
    static int exitCode(JsonNode run) {
        return FAILED.contains(text(run, "state")) ? ExitCodes.RUN_FAILED : ExitCodes.OK;
    }

    private void report(JsonNode run) {
        if (s.json) {
            String now = run.toString();
            if (!quietJson && !now.equals(jsonSeen)) {
                s.printJsonLine(run);
            }
            jsonSeen = now;
            return;
        }
        String clock = Format.clock(s.clock.instant()).substring(0, 8);
        String runNow = text(run, "state") + " (" + text(run, "phase") + ")";
        if (!runNow.equals(runSeen)) {
            s.println(clock + "  run " + text(run, "id") + " " + runNow);
            runSeen = runNow;
        }
        for (JsonNode step : run.path("steps")) {
            String line = stepLine(step, previous.put(text(step, "id"), step));
            if (!line.equals(seen.put(text(step, "id"), line))) {
                s.println(clock + "    " + line);
            }
        }
    }

    static String stepLine(JsonNode step) {
        return stepLine(step, null);
    }

    /**
     * One step as a progress line: what, where, state, bytes, objects, the rate since the previous progress report of
     * the step (when there was one), error.
     */
    static String stepLine(JsonNode step, JsonNode before) {
        java.util.List<String> extras = new java.util.ArrayList<>();
        if (step.hasNonNull("bytes")) {
            extras.add(Format.bytes(step.get("bytes").asLong()));
        }
        String objects = step.path("evidence").path("objects").asText(null);
        if (objects == null && step.hasNonNull("items") && step.get("items").asLong() > 0) {
            objects = step.get("items").asText();
        }
        if (objects != null) {
            extras.add(objects + " objects");
        }
        String rate = rate(step, before);
        if (rate != null && "RUNNING".equals(text(step, "state"))) {
            extras.add(rate);
        }
        if (step.hasNonNull("error")) {
            extras.add(text(step, "error"));
        }
        return String.format(
                        "%-8s %-32s %-10s %s",
                        text(step, "action"), where(step), text(step, "state"), String.join("  ", extras))
                .stripTrailing();
    }

    /**
     * The rate between two progress reports of a step: bytes per second while bytes move, else objects per second
     * (an incremental copy that finds objects unchanged moves none); null without two reports or without movement.
     */
    static String rate(JsonNode step, JsonNode before) {
        if (before == null) {
            return null;
        }
        Instant now = Format.instant(step.get("progressAt"));
        Instant then = Format.instant(before.get("progressAt"));
        if (now == null || then == null || !now.isAfter(then)) {
            return null;
        }
        long millis = Math.max(1, Duration.between(then, now).toMillis());
        long bytes = step.path("bytes").asLong() - before.path("bytes").asLong();
        if (bytes > 0) {
            return Format.bytes(bytes * 1000 / millis) + "/s";
        }
        long items = step.path("items").asLong() - before.path("items").asLong();
        return items > 0 ? (items * 1000 / millis) + " objects/s" : null;
    }

    static String where(JsonNode step) {
        String db = text(step, "database");
        return text(step, "store") + (db == null ? "" : "/" + db);
    }

    static String summary(JsonNode run) {
        StringBuilder line =
                new StringBuilder("run ").append(text(run, "id")).append(" ").append(text(run, "state"));
        Instant created = Format.instant(run.get("createdAt"));
        Instant ended = Format.instant(run.get("endedAt"));
        if (created != null && ended != null) {
            line.append(" after ").append(Format.duration(Duration.between(created, ended)));
        }
        if (run.hasNonNull("error")) {
            line.append(": ").append(text(run, "error"));
        }
        return line.toString();
    }
}
