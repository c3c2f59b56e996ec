package io.lockstep.cli;

import static io.lockstep.cli.ApiClient.segment;
import static io.lockstep.cli.Format.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Restores a backup run: in place or into new targets, whole or some stores; or a dry run of that. */
@Command(
        name = "restore",
        mixinStandardHelpOptions = true,
        description = "Restores backup run ID (POST /api/v1/runs/{id}/restore; needs the admin role).",
        footer = {
            "",
            "Targets (--target, repeatable):",
            "  STORE.DATABASE=NEWDB            a PostgreSQL database into a new database",
            "  STORE.bucket=BUCKET             an object store into another bucket (STORE.prefix=P/ for a prefix)",
            "  STORE.renamePattern=REGEX       a search store's indices renamed (with STORE.renameReplacement=R)",
            "  STORE.renamePrefix=PREFIX       shorthand: every index restored as PREFIX<index>"
        })
final class RestoreCommand extends ApiCommand {

    private static final Set<String> TARGET_FIELDS = Set.of("bucket", "prefix", "renamePattern", "renameReplacement");

    @Parameters(paramLabel = "ID", description = "the backup run")
    String id;

    @Option(names = "--dry-run", description = "report what a restore would do; change nothing")
    boolean dryRun;

    @Option(
            names = "--stores",
            split = ",",
            paramLabel = "STORE",
            description = "restore only these stores (default: all of the run's)")
    List<String> stores;

    @Option(names = "--target", paramLabel = "STORE.KEY=VALUE", description = "restore a store into a new target")
    List<String> targets;

    @Option(names = "--force", description = "restore a run that is not CONSISTENT")
    boolean force;

    @Option(names = "--prune", description = "delete objects the backup does not hold")
    boolean prune;

    @Option(
            names = "--point-in-time",
            paramLabel = "TIME",
            description =
                    "recover the run's PostgreSQL stores with point-in-time recovery into new clusters, replayed to"
                            + " TIME (ISO-8601, e.g. 2026-11-30T15:04:05Z)")
    String pointInTime;

    @Option(names = "--wait", description = "follow the restore until it ends; exit 1 if it ends FAILED")
    boolean wait;

    @Override
    int run(Session s) {
        ObjectNode body = body(stores, targets, dryRun, force, prune);
        if (pointInTime != null) {
            body.put("pointInTime", pointInTime);
        }
        JsonNode run =
                s.api.post("/api/v1/runs/" + segment(id) + "/restore", body).body();
        if (!dryRun) {
            return RunStarted.report(s, run, "restore of run " + id, wait);
        }
        JsonNode report = run;
        if (!RunFollower.TERMINAL.contains(text(run, "state"))) {
            report = new RunFollower(s, true).follow(text(run, "id"));
        }
        if (s.json) {
            s.printJson(report);
        } else {
            s.print(dryRunText(report));
        }
        return RunFollower.exitCode(report);
    }

    /** The request body: only what was asked for. */
    static ObjectNode body(List<String> stores, List<String> targets, boolean dryRun, boolean force, boolean prune) {
        ObjectNode body = ApiClient.JSON.createObjectNode();
        if (stores != null && !stores.isEmpty()) {
            stores.forEach(body.putArray("stores")::add);
        }
        if (targets != null && !targets.isEmpty()) {
            body.set("targets", targets(targets));
        }
        if (dryRun) {
            body.put("dryRun", true);
        }
        if (force) {
            body.put("force", true);
        }
        if (prune) {
            body.put("prune", true);
        }
        return body;
    }

    /** {@code app.shop=shop_copy media.bucket=b} → {@code {"app": {"databases": {"shop": "shop_copy"}}, ...}}. */
    static ObjectNode targets(List<String> specs) {
        ObjectNode targets = ApiClient.JSON.createObjectNode();
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            int dot = eq < 0 ? -1 : spec.lastIndexOf('.', eq);
            if (eq < 0 || dot <= 0 || dot == eq - 1 || eq == spec.length() - 1) {
                throw CliException.usage("lockstep: --target '" + spec + "' is not STORE.KEY=VALUE, for example"
                        + " app.shop=shop_copy, media.bucket=media-copy or search.renamePrefix=restored-");
            }
            String store = spec.substring(0, dot);
            String key = spec.substring(dot + 1, eq);
            String value = spec.substring(eq + 1);
            ObjectNode target = targets.has(store) ? (ObjectNode) targets.get(store) : targets.putObject(store);
            if (TARGET_FIELDS.contains(key)) {
                target.put(key, value);
            } else if ("renamePrefix".equals(key)) {
                target.put("renamePattern", "(.+)");
                target.put("renameReplacement", value + "$1");
            } else {
                ObjectNode databases =
                        target.has("databases") ? (ObjectNode) target.get("databases") : target.putObject("databases");
                databases.put(key, value);
            }
        }
        return targets;
    }

    static String dryRunText(JsonNode run) {
        StringBuilder out = new StringBuilder();
        JsonNode result = run.path("result");
        out.append("dry run ")
                .append(text(run, "id"))
                .append(' ')
                .append(text(run, "state"))
                .append(" (nothing was changed)\n");
        if (run.hasNonNull("error")) {
            out.append("error: ").append(text(run, "error")).append('\n');
        }
        if (result.path("steps").size() > 0) {
            out.append("a restore would:\n");
            result.path("steps")
                    .forEach(step -> out.append("  ").append(step.asText()).append('\n'));
        }
        PlansCommand.line(
                out,
                "bytes to transfer",
                Format.bytes(result.path("bytesToTransfer").asLong()));
        PlansCommand.line(out, "objects to copy", result.path("objectsToCopy").asText("0"));
        PlansCommand.line(out, "databases replaced", StatusCommand.join(result.path("databasesToReplace")));
        PlansCommand.line(out, "indices replaced", StatusCommand.join(result.path("indicesToReplace")));
        return out.toString();
    }
}
