package io.lockstep.cli;

import static io.lockstep.cli.ApiClient.segment;
import static io.lockstep.cli.Format.text;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** A plan's retention: what it would expire and why, or applying it now. */
@Command(
        name = "retention",
        mixinStandardHelpOptions = true,
        description = "Applies PLAN's retention now (POST, admin), or with --dry-run shows what it would expire and"
                + " the rule for each run (GET).")
final class RetentionCommand extends ApiCommand {

    @Parameters(paramLabel = "PLAN", description = "the plan")
    String plan;

    @Option(names = "--dry-run", description = "only show what would be kept and expired")
    boolean dryRun;

    @Override
    int run(Session s) {
        String path = "/api/v1/plans/" + segment(plan) + "/retention";
        JsonNode answer = dryRun
                ? s.api.get(path + "?dryRun=true").body()
                : s.api.post(path, ApiClient.JSON.createObjectNode()).body();
        if (s.json) {
            s.printJson(answer);
            return ExitCodes.OK;
        }
        StringBuilder out = new StringBuilder();
        if (dryRun) {
            report(out, answer);
        } else {
            for (JsonNode r : answer.path("reports")) {
                report(out, r);
            }
            out.append("expired: ").append(answer.path("expired").asInt()).append(" runs\n");
            if (answer.hasNonNull("collection")) {
                out.append("blob collection: ").append(answer.get("collection")).append('\n');
            }
        }
        s.print(out.toString());
        return ExitCodes.OK;
    }

    private static void report(StringBuilder out, JsonNode report) {
        out.append("plan ")
                .append(text(report, "plan"))
                .append(report.path("dryRun").asBoolean() ? " (dry run)" : "")
                .append(", rules: ")
                .append(text(report, "rules"))
                .append('\n');
        Table table = new Table("RUN", "STATE", "PINNED", "LABEL", "CONSISTENCY POINT", "ACTION", "REASON");
        for (JsonNode r : report.path("runs")) {
            table.row(
                    text(r, "runId"),
                    text(r, "state"),
                    r.path("pinned").asBoolean() ? "pinned" : null,
                    text(r, "label"),
                    Format.time(Format.instant(r.get("consistencyPoint"))),
                    text(r, "action"),
                    text(r, "reason"));
        }
        out.append(table.isEmpty() ? "(no ended runs)\n" : table.render());
    }
}
