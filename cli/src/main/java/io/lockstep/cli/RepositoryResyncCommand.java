package io.lockstep.cli;

import static io.lockstep.cli.Format.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lockstep repository resync}: rebuilds the catalog's plans, runs and steps from the repository (admin). */
@Command(
        name = "resync",
        mixinStandardHelpOptions = true,
        description = "Rebuilds the catalog's plans, runs and steps from the repository's run.json files and run status"
                + " records (admin), after the catalog database was lost. Adds only what the catalog lacks, so it can be"
                + " run again. Exits 1 if something could not be read (it was left out of the catalog).")
final class RepositoryResyncCommand extends ApiCommand {

    @Option(names = "--plan", paramLabel = "NAME", description = "only the runs of this plan")
    String plan;

    @Override
    int run(Session s) {
        JsonNode report = s.api.post(
                        "/api/v1/repository/resync" + ApiClient.query(ApiClient.params("plan", plan)),
                        ApiClient.JSON.createObjectNode())
                .body();
        if (s.json) {
            s.printJson(report);
        } else {
            s.print(render(report));
        }
        return report.path("unreadable").isEmpty() ? ExitCodes.OK : ExitCodes.RUN_FAILED;
    }

    static String render(JsonNode r) {
        StringBuilder out = new StringBuilder();
        PlansCommand.line(out, "catalog was empty", r.path("catalogWasEmpty").asBoolean() ? "yes" : "no");
        PlansCommand.line(
                out,
                "runs found",
                r.path("runsFound").asText() + " (" + r.path("runsCreated").asText() + " added, "
                        + r.path("runsAlreadyPresent").asText() + " already present)");
        PlansCommand.line(out, "runs by state", counts(r.path("runsByState")));
        PlansCommand.line(out, "steps added", r.path("stepsCreated").asText());
        PlansCommand.line(out, "status records", r.path("statusRecords").asText());
        PlansCommand.line(out, "plans added", join(r.path("plansCreated")));
        PlansCommand.line(out, "plans present", join(r.path("plansAlreadyPresent")));
        PlansCommand.line(out, "without run.json", r.path("withoutManifest").asText());
        Table plans = new Table("PLAN", "RUNS");
        r.path("runsByPlan")
                .fields()
                .forEachRemaining(e -> plans.row(e.getKey(), e.getValue().asText()));
        if (!plans.isEmpty()) {
            out.append('\n').append(plans.render());
        }
        Table unreadable = new Table("UNREADABLE", "REASON");
        for (JsonNode u : r.path("unreadable")) {
            unreadable.row(text(u, "key"), Format.clip(text(u, "reason"), 100));
        }
        out.append(unreadable.isEmpty() ? "everything found was readable\n" : "\n" + unreadable.render());
        for (JsonNode prefix : r.path("withoutManifestSample")) {
            out.append("without run.json: ").append(prefix.asText()).append('\n');
        }
        return out.toString();
    }

    private static String counts(JsonNode byState) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) byState::fields) {
            b.append(b.isEmpty() ? "" : ", ")
                    .append(e.getKey())
                    .append(' ')
                    .append(e.getValue().asText());
        }
        return b.toString();
    }

    private static String join(JsonNode array) {
        StringBuilder b = new StringBuilder();
        for (JsonNode n : array) {
            b.append(b.isEmpty() ? "" : ", ").append(n.asText());
        }
        return b.toString();
    }
}
