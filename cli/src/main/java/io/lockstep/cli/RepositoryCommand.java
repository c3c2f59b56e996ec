package io.lockstep.cli;

import static io.lockstep.cli.ApiClient.segment;
import static io.lockstep.cli.Format.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The backup repository: checking it (issue 16), the checks so far, and rebuilding the catalog from it. */
@Command(
        name = "repository",
        mixinStandardHelpOptions = true,
        description = "The backup repository.",
        subcommands = {RepositoryCommand.Check.class, RepositoryCommand.Checks.class, RepositoryResyncCommand.class})
final class RepositoryCommand extends CommandGroup {

    RepositoryCommand() {
        super("name a repository command: check, checks or resync");
    }

    @Command(
            name = "check",
            mixinStandardHelpOptions = true,
            description = "Starts a check of the repository (operator): every kept backup's artifacts exist with the"
                    + " recorded sizes, every manifest's blobs exist, blobs no run reaches are listed; with"
                    + " --read-data every artifact and blob is read and checked (SHA-256, AEAD). With --wait, follows"
                    + " it and exits 1 if it found a problem.")
    static final class Check extends ApiCommand {
        @Option(names = "--read-data", description = "read the data: SHA-256 and authentication of every artifact")
        boolean readData;

        @Option(
                names = "--sample",
                paramLabel = "N",
                description = "with --read-data, read about N percent of artifacts and blobs (1-100)")
        Integer sample;

        @Option(names = "--wait", description = "follow the check until it ends and show its summary")
        boolean await;

        @Override
        int run(Session s) {
            if (sample != null && !readData) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--sample needs --read-data");
            }
            ObjectNode body = ApiClient.JSON.createObjectNode().put("readData", readData);
            if (sample != null) {
                body.put("sample", sample);
            }
            JsonNode check = s.api.post("/api/v1/repository/check", body).body();
            if (!await) {
                if (s.json) {
                    s.printJson(check);
                } else {
                    s.println("repository check " + text(check, "id") + " started; follow it with `lockstep"
                            + " repository checks " + text(check, "id") + "`");
                }
                return ExitCodes.OK;
            }
            return follow(s, text(check, "id"));
        }
    }

    @Command(
            name = "checks",
            mixinStandardHelpOptions = true,
            description = "The recent repository checks, or one check's progress and summary.")
    static final class Checks extends ApiCommand {
        @Parameters(paramLabel = "ID", arity = "0..1", description = "a check id")
        String id;

        @Override
        int run(Session s) {
            if (id != null) {
                JsonNode check =
                        s.api.get("/api/v1/repository/checks/" + segment(id)).body();
                if (s.json) {
                    s.printJson(check);
                } else {
                    s.print(render(check));
                }
                return ExitCodes.OK;
            }
            JsonNode checks = s.api.get("/api/v1/repository/checks").body();
            if (s.json) {
                s.printJson(checks);
                return ExitCodes.OK;
            }
            Table table = new Table("ID", "STATE", "READ DATA", "CREATED", "ENDED", "PROBLEMS", "BY");
            for (JsonNode c : checks) {
                table.row(
                        text(c, "id"),
                        text(c, "state"),
                        c.path("readData").asBoolean() ? c.path("samplePercent").asInt() + "%" : "no",
                        Format.time(Format.instant(c.get("createdAt"))),
                        Format.time(Format.instant(c.get("endedAt"))),
                        c.path("progress").path("problems").asText(""),
                        text(c, "requestedBy"));
            }
            s.print(table.isEmpty() ? "(no checks)\n" : table.render());
            return ExitCodes.OK;
        }
    }

    /** Polls the check until it ends, printing its progress when it changed: exit 1 on a problem or a failure. */
    static int follow(Session s, String id) {
        String last = "";
        while (true) {
            JsonNode check =
                    s.api.get("/api/v1/repository/checks/" + segment(id)).body();
            boolean ended = !"RUNNING".equals(text(check, "state"));
            if (ended) {
                if (s.json) {
                    s.printJson(check);
                } else {
                    s.print(render(check));
                }
                boolean clean = "DONE".equals(text(check, "state"))
                        && check.path("summary").path("problems").asLong() == 0;
                return clean ? ExitCodes.OK : ExitCodes.RUN_FAILED;
            }
            String now = progress(check.path("progress"));
            if (!now.equals(last)) {
                if (s.json) {
                    s.printJsonLine(check);
                } else {
                    s.println(Format.clock(s.clock.instant()).substring(0, 8) + "  " + now);
                }
                last = now;
            }
            s.pause();
        }
    }

    static String progress(JsonNode p) {
        return text(p, "phase") + ": " + counters(p);
    }

    static String counters(JsonNode p) {
        return "runs " + p.path("runsChecked").asLong() + "/" + p.path("runs").asLong()
                + ", artifacts " + p.path("artifacts").asLong() + ", manifests "
                + p.path("manifests").asLong()
                + ", blobs " + p.path("blobs").asLong() + ", read "
                + p.path("blobsRead").asLong() + " blobs "
                + Format.bytes(p.path("bytesRead").asLong()) + ", problems "
                + p.path("problems").asLong();
    }

    static String render(JsonNode check) {
        StringBuilder out = new StringBuilder();
        PlansCommand.line(out, "check", text(check, "id"));
        PlansCommand.line(out, "state", text(check, "state"));
        PlansCommand.line(
                out,
                "read data",
                check.path("readData").asBoolean() ? check.path("samplePercent").asInt() + "%" : "no");
        PlansCommand.line(out, "started", Format.time(Format.instant(check.get("createdAt"))));
        PlansCommand.line(out, "ended", Format.time(Format.instant(check.get("endedAt"))));
        PlansCommand.line(out, "error", text(check, "error"));
        JsonNode summary = check.path("summary");
        if (summary.isMissingNode() || summary.isNull()) {
            PlansCommand.line(out, "progress", progress(check.path("progress")));
            return out.toString();
        }
        PlansCommand.line(out, "checked", counters(summary));
        PlansCommand.line(
                out, "unreachable blobs", summary.path("unreachableBlobs").asText());
        PlansCommand.line(out, "unreadable key ids", join(summary.path("unreadableKeyIds")));
        PlansCommand.line(out, "affected runs", join(summary.path("affectedRuns")));
        Table table = new Table("KIND", "RUN", "KEY", "DETAIL");
        for (JsonNode p : summary.path("problemList")) {
            table.row(text(p, "kind"), text(p, "run"), text(p, "key"), Format.clip(text(p, "detail"), 100));
        }
        out.append(table.isEmpty() ? "no problem found\n" : "\nPROBLEMS\n" + table.render());
        for (JsonNode blob : summary.path("unreachableSample")) {
            out.append("unreachable: ").append(blob.asText()).append('\n');
        }
        return out.toString();
    }

    private static String join(JsonNode array) {
        StringBuilder b = new StringBuilder();
        for (JsonNode n : array) {
            b.append(b.isEmpty() ? "" : ", ").append(n.asText());
        }
        return b.toString();
    }
}
