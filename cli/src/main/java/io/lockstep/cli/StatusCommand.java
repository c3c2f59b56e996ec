package io.lockstep.cli;

import static io.lockstep.cli.ApiClient.params;
import static io.lockstep.cli.ApiClient.query;
import static io.lockstep.cli.ApiClient.segment;
import static io.lockstep.cli.Format.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import picocli.CommandLine.Command;

/** Agents, stores and their liveness; per plan the last consistent run and its age. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Agents and stores with liveness; per plan its last run and last CONSISTENT run, and how old"
                + " that backup is.")
final class StatusCommand extends ApiCommand {

    @Override
    int run(Session s) {
        JsonNode agents = s.api.get("/api/v1/agents").body();
        JsonNode stores = s.api.get("/api/v1/stores").body();
        JsonNode plans = s.api.get("/api/v1/plans").body();
        ArrayNode planStatus = ApiClient.JSON.createArrayNode();
        for (JsonNode plan : plans) {
            String name = text(plan, "name");
            ObjectNode row = planStatus.addObject();
            row.put("plan", name);
            row.put("schedule", text(plan, "schedule"));
            row.set("lastRun", first(s, params("plan", name, "type", "backup", "limit", 1)));
            row.set("lastConsistent", first(s, params("plan", name, "state", "CONSISTENT", "limit", 1)));
        }
        if (s.json) {
            ObjectNode all = ApiClient.JSON.createObjectNode();
            all.set("agents", agents);
            all.set("stores", stores);
            all.set("plans", planStatus);
            s.printJson(all);
            return ExitCodes.OK;
        }
        Instant now = s.clock.instant();
        Table agentTable = new Table("AGENT", "KIND", "VERSION", "LIVE", "LAST SEEN", "ACTIVE STEPS", "STORES");
        for (JsonNode a : agents) {
            agentTable.row(
                    text(a, "id"),
                    text(a, "kind"),
                    text(a, "version"),
                    live(a),
                    Format.age(Format.instant(a.get("lastSeen")), now),
                    a.path("activeSteps").size(),
                    join(a.path("stores")));
        }
        Table storeTable = new Table("STORE", "KIND", "AGENT", "LIVE", "LAST SEEN", "DATABASES");
        for (JsonNode st : stores) {
            storeTable.row(
                    text(st, "id"),
                    text(st, "kind"),
                    text(st, "agent"),
                    live(st),
                    Format.age(Format.instant(st.get("lastSeen")), now),
                    join(st.path("databases")));
        }
        Table planTable = new Table("PLAN", "SCHEDULE", "LAST RUN", "LAST CONSISTENT", "CONSISTENCY POINT", "AGE");
        for (JsonNode p : planStatus) {
            JsonNode last = p.get("lastRun");
            JsonNode consistent = p.get("lastConsistent");
            Instant point = consistent.isNull() ? null : pointOf(consistent);
            planTable.row(
                    text(p, "plan"),
                    text(p, "schedule"),
                    last.isNull() ? "never" : text(last, "state") + " " + Format.age(createdAt(last), now),
                    consistent.isNull() ? "none" : text(consistent, "id"),
                    Format.time(point),
                    point == null ? null : Format.age(point, now));
        }
        s.print("AGENTS\n" + (agentTable.isEmpty() ? "(none announced)\n" : agentTable.render()));
        s.print("\nSTORES\n" + (storeTable.isEmpty() ? "(none announced)\n" : storeTable.render()));
        s.print("\nPLANS\n" + (planTable.isEmpty() ? "(none)\n" : planTable.render()));
        return ExitCodes.OK;
    }

    private static JsonNode first(Session s, java.util.Map<String, Object> params) {
        JsonNode runs = s.api.get("/api/v1/runs" + query(params)).body();
        return runs != null && runs.size() > 0 ? runs.get(0) : ApiClient.JSON.nullNode();
    }

    /** A backup's date: its consistency point, or when it ended. */
    static Instant pointOf(JsonNode run) {
        Instant point = Format.instant(run.get("consistencyPoint"));
        return point != null ? point : Format.instant(run.get("endedAt"));
    }

    private static Instant createdAt(JsonNode run) {
        return Format.instant(run.get("createdAt"));
    }

    private static String live(JsonNode node) {
        return node.path("live").asBoolean() ? "live" : "SILENT";
    }

    static String join(JsonNode array) {
        StringBuilder out = new StringBuilder();
        for (JsonNode n : array) {
            out.append(out.length() == 0 ? "" : ",").append(n.asText());
        }
        return out.toString();
    }

    static String path(String first, String id) {
        return first + "/" + segment(id);
    }
}
