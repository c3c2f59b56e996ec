package io.lockstep.cli;

import static io.lockstep.cli.ApiClient.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Starts a backup of a plan now, and optionally follows it to its end. */
@Command(
        name = "backup",
        mixinStandardHelpOptions = true,
        description = "Starts a backup of PLAN now (POST /api/v1/plans/{plan}/backups).")
final class BackupCommand extends ApiCommand {

    @Parameters(paramLabel = "PLAN", description = "the plan")
    String plan;

    @Option(names = "--label", paramLabel = "LABEL", description = "a label for the run (at most 200 characters)")
    String label;

    @Option(names = "--pin", description = "pin the run: retention never expires it")
    boolean pin;

    @Option(names = "--wait", description = "follow the run until it ends; exit 1 if it ends FAILED or CANCELLED")
    boolean wait;

    @Override
    int run(Session s) {
        ObjectNode body = ApiClient.JSON.createObjectNode();
        if (label != null) {
            body.put("label", label);
        }
        if (pin) {
            body.put("pin", true);
        }
        JsonNode run =
                s.api.post("/api/v1/plans/" + segment(plan) + "/backups", body).body();
        return RunStarted.report(s, run, "backup of plan " + plan, wait);
    }
}
