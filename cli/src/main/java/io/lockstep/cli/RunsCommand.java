package io.lockstep.cli;

import static io.lockstep.cli.ApiClient.params;
import static io.lockstep.cli.ApiClient.query;
import static io.lockstep.cli.ApiClient.segment;
import static io.lockstep.cli.Format.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Runs: the history, one run in full, following one. */
@Command(
        name = "runs",
        mixinStandardHelpOptions = true,
        description = "Backup, restore, drill, dry-run and verification runs.",
        subcommands = {
            RunsCommand.ListRuns.class,
            RunsCommand.ShowRun.class,
            RunsCommand.WatchRun.class,
            RunChanges.CancelRun.class,
            RunChanges.PinRun.class,
            RunChanges.UnpinRun.class,
            RunChanges.ExpireRun.class
        })
final class RunsCommand extends CommandGroup {

    RunsCommand() {
        super("name a runs command: list, show, watch, cancel, pin, unpin or expire");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Runs, newest first.")
    static final class ListRuns extends ApiCommand {
        @Option(names = "--plan", paramLabel = "PLAN", description = "only this plan's runs")
        String plan;

        @Option(
                names = "--state",
                paramLabel = "STATE",
                description = "only runs in this state: QUEUED, RUNNING, VERIFYING, CONSISTENT, FAILED, CANCELLED,"
                        + " SUCCEEDED")
        String state;

        @Option(
                names = "--type",
                paramLabel = "TYPE",
                description = "only runs of this type: backup, restore, drill, dry_run, verify")
        String type;

        @Option(names = "--verified", paramLabel = "true|false", description = "only backups a drill proved (or not)")
        Boolean verified;

        @Option(names = "--limit", paramLabel = "N", description = "at most N runs (default: ${DEFAULT-VALUE})")
        int limit = 50;

        @Override
        int run(Session s) {
            JsonNode runs = s.api.get("/api/v1/runs"
                            + query(params(
                                    "plan", plan, "state", state, "type", type, "verified", verified, "limit", limit)))
                    .body();
            if (s.json) {
                s.printJson(runs);
                return ExitCodes.OK;
            }
            Table table = new Table(
                    "ID", "PLAN", "TYPE", "STATE", "CREATED", "DURATION", "BYTES", "LABEL", "PINNED", "ERROR");
            for (JsonNode r : runs) {
                Long millis =
                        r.hasNonNull("durationMillis") ? r.get("durationMillis").asLong() : null;
                table.row(
                        text(r, "id"),
                        text(r, "plan"),
                        text(r, "type"),
                        text(r, "state") + (r.path("warnings").isEmpty() ? "" : " (damaged)"),
                        Format.time(Format.instant(r.get("createdAt"))),
                        millis == null ? null : Format.duration(Duration.ofMillis(millis)),
                        Format.bytes(r.path("bytes").asLong()),
                        text(r, "label"),
                        r.path("pinned").asBoolean() ? "pinned" : null,
                        Format.clip(text(r, "error"), 60));
            }
            s.print(table.isEmpty() ? "(no runs)\n" : table.render());
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "One run: its steps, evidence, artifacts and a timeline.")
    static final class ShowRun extends ApiCommand {
        @Parameters(paramLabel = "ID", description = "the run id")
        String id;

        @Override
        int run(Session s) {
            JsonNode run = s.api.get("/api/v1/runs/" + segment(id)).body();
            if (s.json) {
                s.printJson(run);
            } else {
                s.print(RunReport.render(run));
            }
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "watch",
            mixinStandardHelpOptions = true,
            description = "Follows a run until it ends, showing each step's state and progress; exit 1 if it ends"
                    + " FAILED or CANCELLED.")
    static final class WatchRun extends ApiCommand {
        @Parameters(paramLabel = "ID", description = "the run id")
        String id;

        @Override
        int run(Session s) {
            return RunFollower.exitCode(new RunFollower(s, false).follow(id));
        }
    }

    static Instant at(JsonNode node, String field) {
        return Format.instant(node.get(field));
    }
}
