package io.lockstep.cli;

import static io.lockstep.cli.ApiClient.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Verifies a backup again: its artifacts, or with a drill a restore into scratch targets. */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = "Re-verifies backup run ID (POST /api/v1/runs/{id}/verify); --drill restores it into scratch"
                + " targets and compares.")
final class VerifyCommand extends ApiCommand {

    @Parameters(paramLabel = "ID", description = "the backup run")
    String id;

    @Option(names = "--drill", description = "a restore drill: restore into scratch targets, compare, drop them")
    boolean drill;

    @Option(names = "--wait", description = "follow the verification until it ends; exit 1 if it ends FAILED")
    boolean wait;

    @Override
    int run(Session s) {
        ObjectNode body = ApiClient.JSON.createObjectNode();
        if (drill) {
            body.put("drill", true);
        }
        JsonNode run =
                s.api.post("/api/v1/runs/" + segment(id) + "/verify", body).body();
        return RunStarted.report(s, run, (drill ? "restore drill" : "verification") + " of run " + id, wait);
    }
}
