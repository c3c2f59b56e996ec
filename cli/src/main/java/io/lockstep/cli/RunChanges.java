package io.lockstep.cli;

import static io.lockstep.cli.ApiClient.segment;
import static io.lockstep.cli.Format.text;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What an operator changes on one run: cancel it, pin or unpin it, expire it now. */
final class RunChanges {

    private RunChanges() {}

    /** Prints the run as the API answered it: the JSON, or one line with what happened. */
    static int printed(Session s, JsonNode run, String what) {
        if (s.json) {
            s.printJson(run);
        } else {
            s.println("run " + text(run, "id") + " " + what + " (" + text(run, "state") + ")");
        }
        return ExitCodes.OK;
    }

    @Command(
            name = "cancel",
            mixinStandardHelpOptions = true,
            description = "Cancels a run that has not ended (POST /api/v1/runs/{id}/cancel, operator): its steps are"
                    + " stopped, quiesced stores resumed, and it ends CANCELLED.")
    static final class CancelRun extends ApiCommand {
        @Parameters(paramLabel = "ID", description = "the run id")
        String id;

        @Override
        int run(Session s) {
            JsonNode run = s.api.post("/api/v1/runs/" + segment(id) + "/cancel", ApiClient.JSON.createObjectNode())
                    .body();
            return printed(s, run, "cancelled");
        }
    }

    @Command(
            name = "pin",
            mixinStandardHelpOptions = true,
            description = "Pins a backup run: retention never expires it (PATCH /api/v1/runs/{id}, operator).")
    static final class PinRun extends ApiCommand {
        @Parameters(paramLabel = "ID", description = "the run id")
        String id;

        @Override
        int run(Session s) {
            return printed(s, pin(s, id, true), "pinned");
        }
    }

    @Command(
            name = "unpin",
            mixinStandardHelpOptions = true,
            description = "Unpins a backup run: retention may expire it again (PATCH /api/v1/runs/{id}, operator).")
    static final class UnpinRun extends ApiCommand {
        @Parameters(paramLabel = "ID", description = "the run id")
        String id;

        @Override
        int run(Session s) {
            return printed(s, pin(s, id, false), "unpinned");
        }
    }

    static JsonNode pin(Session s, String id, boolean pinned) {
        return s.api.patch(
                        "/api/v1/runs/" + segment(id),
                        ApiClient.JSON.createObjectNode().put("pinned", pinned))
                .body();
    }

    @Command(
            name = "expire",
            mixinStandardHelpOptions = true,
            description = "Expires a run now and deletes its artifacts as retention would (DELETE /api/v1/runs/{id},"
                    + " admin); a pinned run or a plan's newest consistent backup needs --force.")
    static final class ExpireRun extends ApiCommand {
        @Parameters(paramLabel = "ID", description = "the run id")
        String id;

        @Option(names = "--force", description = "also a pinned run or the plan's newest consistent backup")
        boolean force;

        @Override
        int run(Session s) {
            JsonNode run = s.api.delete("/api/v1/runs/" + segment(id) + (force ? "?force=true" : ""))
                    .body();
            return printed(s, run, "is being expired");
        }
    }
}
