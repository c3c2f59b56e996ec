package io.lockstep.cli;

import static io.lockstep.cli.ApiClient.params;
import static io.lockstep.cli.ApiClient.query;
import static io.lockstep.cli.Format.text;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The audit log: who changed what, newest first (admin). */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description = "The audit log, newest first (GET /api/v1/audit; needs the admin role).")
final class AuditCommand extends ApiCommand {

    @Option(names = "--subject", paramLabel = "WHO", description = "a token name or JWT principal")
    String subject;

    @Option(names = "--method", paramLabel = "METHOD", description = "POST, PUT, PATCH or DELETE")
    String method;

    @Option(names = "--target-kind", paramLabel = "KIND", description = "plan or run")
    String targetKind;

    @Option(names = "--target-id", paramLabel = "ID", description = "a plan name or run id")
    String targetId;

    @Option(names = "--status", paramLabel = "CODE", description = "an HTTP status")
    Integer status;

    @Option(names = "--since", paramLabel = "INSTANT", description = "e.g. 2026-01-31T12:00:00Z")
    String since;

    @Option(names = "--limit", paramLabel = "N", description = "at most N entries (default: ${DEFAULT-VALUE})")
    int limit = 100;

    @Override
    int run(Session s) {
        JsonNode rows = s.api.get("/api/v1/audit"
                        + query(params(
                                "subject", subject,
                                "method", method,
                                "targetKind", targetKind,
                                "targetId", targetId,
                                "status", status,
                                "since", since,
                                "limit", limit)))
                .body();
        if (s.json) {
            s.printJson(rows);
            return ExitCodes.OK;
        }
        Table table = new Table("AT", "SUBJECT", "ROLE", "METHOD", "PATH", "STATUS", "DETAIL");
        for (JsonNode r : rows) {
            table.row(
                    Format.time(Format.instant(r.get("at"))),
                    text(r, "subject"),
                    text(r, "role"),
                    text(r, "method"),
                    text(r, "path"),
                    text(r, "status"),
                    Format.clip(text(r, "detail"), 80));
        }
        s.print(table.isEmpty() ? "(no entries)\n" : table.render());
        return ExitCodes.OK;
    }
}
