package io.lockstep.coordinator.audit;

import io.lockstep.auth.Roles;
import io.lockstep.coordinator.rest.ApiException;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The audit log, newest first, for admins. */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    private static final int MAX_LIMIT = 1000;

    /** One audited call. */
    public record AuditView(
            long id,
            Instant at,
            String subject,
            String role,
            String method,
            String path,
            String targetKind,
            String targetId,
            int status,
            String detail) {
        static AuditView of(AuditEntry e) {
            return new AuditView(
                    e.id, e.at, e.subject, e.role, e.method, e.path, e.targetKind, e.targetId, e.status, e.detail);
        }
    }

    @GET
    @RolesAllowed(Roles.ADMIN)
    public List<AuditView> list(
            @QueryParam("subject") String subject,
            @QueryParam("method") String method,
            @QueryParam("targetKind") String targetKind,
            @QueryParam("targetId") String targetId,
            @QueryParam("status") Integer status,
            @QueryParam("since") String since,
            @QueryParam("limit") Integer limit) {
        int size = limit == null ? 100 : limit;
        if (size < 1 || size > MAX_LIMIT) {
            throw new ApiException(400, "Invalid query", "limit must be between 1 and " + MAX_LIMIT);
        }
        List<String> where = new ArrayList<>();
        Parameters params = new Parameters();
        if (subject != null && !subject.isBlank()) {
            where.add("subject = :subject");
            params.and("subject", subject);
        }
        if (method != null && !method.isBlank()) {
            where.add("method = :method");
            params.and("method", method.toUpperCase(Locale.ROOT));
        }
        if (targetKind != null && !targetKind.isBlank()) {
            where.add("targetKind = :targetKind");
            params.and("targetKind", targetKind.toLowerCase(Locale.ROOT));
        }
        if (targetId != null && !targetId.isBlank()) {
            where.add("targetId = :targetId");
            params.and("targetId", targetId);
        }
        if (status != null) {
            where.add("status = :status");
            params.and("status", status);
        }
        if (since != null && !since.isBlank()) {
            try {
                params.and("since", Instant.parse(since));
            } catch (DateTimeParseException e) {
                throw new ApiException(
                        400,
                        "Invalid query",
                        "since must be an ISO-8601 instant such as " + "2026-01-31T12:00:00Z, not '" + since + "'");
            }
            where.add("at >= :since");
        }
        Sort order = Sort.descending("at", "id");
        var query = where.isEmpty()
                ? AuditEntry.<AuditEntry>findAll(order)
                : AuditEntry.<AuditEntry>find(String.join(" and ", where), order, params);
        return query.page(Page.ofSize(size)).list().stream().map(AuditView::of).toList();
    }
}
