package io.lockstep.cli;

import static io.lockstep.cli.ApiClient.segment;
import static io.lockstep.cli.Format.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Backup plans: list, show, create or replace from a JSON file, delete. */
@Command(
        name = "plans",
        mixinStandardHelpOptions = true,
        description = "Backup plans.",
        subcommands = {
            PlansCommand.ListPlans.class,
            PlansCommand.ShowPlan.class,
            PlansCommand.ApplyPlan.class,
            PlansCommand.DeletePlan.class
        })
final class PlansCommand extends CommandGroup {

    PlansCommand() {
        super("name a plans command: list, show, apply or delete");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every plan, with its next runs.")
    static final class ListPlans extends ApiCommand {
        @Override
        int run(Session s) {
            JsonNode plans = s.api.get("/api/v1/plans").body();
            if (s.json) {
                s.printJson(plans);
                return ExitCodes.OK;
            }
            Table table = new Table("PLAN", "STORES", "SCHEDULE", "RETENTION", "VERIFY", "NEXT RUN");
            for (JsonNode p : plans) {
                table.row(
                        text(p, "name"),
                        StatusCommand.join(p.path("stores")),
                        text(p, "schedule"),
                        text(p, "retention"),
                        text(p, "verify"),
                        Format.time(Format.instant(p.path("nextRuns").path(0))));
            }
            s.print(table.isEmpty() ? "(no plans)\n" : table.render());
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One plan.")
    static final class ShowPlan extends ApiCommand {
        @Parameters(paramLabel = "NAME", description = "the plan")
        String name;

        @Override
        int run(Session s) {
            JsonNode plan = s.api.get("/api/v1/plans/" + segment(name)).body();
            if (s.json) {
                s.printJson(plan);
                return ExitCodes.OK;
            }
            StringBuilder out = new StringBuilder();
            line(out, "plan", text(plan, "name"));
            line(out, "stores", StatusCommand.join(plan.path("stores")));
            line(out, "schedule", text(plan, "schedule"));
            line(out, "timezone", text(plan, "timezone"));
            line(out, "retention", text(plan, "retention"));
            line(out, "verify", text(plan, "verify"));
            line(out, "hooks", text(plan, "hooks"));
            for (JsonNode r : plan.path("references")) {
                line(
                        out,
                        "reference",
                        text(r, "store") + "/" + text(r, "database") + " -> " + text(r, "objects") + ": "
                                + text(r, "query"));
            }
            for (JsonNode next : plan.path("nextRuns")) {
                line(out, "next run", Format.time(Format.instant(next)));
            }
            JsonNode check = plan.path("check");
            if (check.isObject()) {
                line(
                        out,
                        "repository check",
                        text(check, "schedule")
                                + (check.path("readData").asBoolean()
                                        ? ", reading "
                                                + check.path("samplePercent").asInt(100) + "% of the data"
                                        : ", without reading the data"));
                for (JsonNode next : check.path("nextChecks")) {
                    line(out, "next check", Format.time(Format.instant(next)));
                }
                if (check.hasNonNull("lastCheckId")) {
                    line(
                            out,
                            "last check",
                            text(check, "lastCheckId") + " " + text(check, "lastCheckState") + ", "
                                    + Format.time(Format.instant(check.get("lastCheckAt"))));
                }
            }
            line(out, "created", Format.time(Format.instant(plan.get("createdAt"))));
            line(out, "updated", Format.time(Format.instant(plan.get("updatedAt"))));
            s.print(out.toString());
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "apply",
            mixinStandardHelpOptions = true,
            description = "Creates or replaces a plan from a JSON file (the body of PUT /api/v1/plans/{name}).")
    static final class ApplyPlan extends ApiCommand {
        @Option(
                names = {"-f", "--file"},
                required = true,
                paramLabel = "FILE",
                description = "the plan as JSON; - reads stdin")
        String file;

        @Option(
                names = "--name",
                paramLabel = "NAME",
                description = "the plan's name (default: the file's \"name\" field, else its base name)")
        String name;

        @Override
        int run(Session s) {
            JsonNode spec = read(file);
            if (!spec.isObject()) {
                throw CliException.usage("lockstep: " + file + " must hold a JSON object (a plan)");
            }
            ObjectNode body = ((ObjectNode) spec).deepCopy();
            JsonNode named = body.remove("name");
            String plan = planName(name, named == null || named.isNull() ? null : named.asText(), file);
            ApiClient.Reply reply = s.api.put("/api/v1/plans/" + segment(plan), body);
            if (s.json) {
                s.printJson(reply.body());
            } else {
                s.println((reply.status() == 201 ? "created" : "replaced") + " plan " + plan);
            }
            return ExitCodes.OK;
        }

        static String planName(String flag, String field, String file) {
            if (flag != null && !flag.isBlank()) {
                return flag;
            }
            if (field != null && !field.isBlank()) {
                return field;
            }
            if (!"-".equals(file)) {
                String base = Path.of(file).getFileName().toString();
                return base.endsWith(".json") ? base.substring(0, base.length() - 5) : base;
            }
            throw CliException.usage("lockstep: name the plan: --name NAME, or a \"name\" field in the JSON");
        }

        private JsonNode read(String source) {
            try (InputStream in = "-".equals(source) ? System.in : Files.newInputStream(Path.of(source))) {
                return ApiClient.JSON.readTree(in);
            } catch (IOException e) {
                throw CliException.usage("lockstep: cannot read the plan " + source + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes a plan (its runs stay).")
    static final class DeletePlan extends ApiCommand {
        @Parameters(paramLabel = "NAME", description = "the plan")
        String name;

        @Override
        int run(Session s) {
            ApiClient.Reply reply = s.api.delete("/api/v1/plans/" + segment(name));
            if (s.json) {
                if (reply.body() != null) {
                    s.printJson(reply.body());
                }
            } else {
                s.println("deleted plan " + name);
            }
            return ExitCodes.OK;
        }
    }

    static void line(StringBuilder out, String key, String value) {
        if (value != null && !value.isBlank()) {
            out.append(String.format("%-18s %s%n", key + ":", value));
        }
    }
}
