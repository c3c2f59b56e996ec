package io.lockstep.coordinator.audit;

import io.lockstep.auth.Roles;
import io.lockstep.coordinator.rest.Problem;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Records every call under {@code /api/v1} that changes something (POST, PUT, PATCH, DELETE) in the audit log,
 * after its answer is known: accepted, refused (401, 403) or failed. The entry is written in its own transaction
 * by {@link AuditLog}, so it stays even when the call itself rolled back.
 */
@Provider
public class AuditFilter implements ContainerResponseFilter {

    private static final Logger LOG = Logger.getLogger(AuditFilter.class);
    private static final Set<String> MUTATING = Set.of("POST", "PUT", "PATCH", "DELETE");
    private static final String API = "/api/v1/";
    private static final int MAX_DETAIL = 1000;

    private final CurrentIdentityAssociation identities;
    private final AuditLog audit;

    public AuditFilter(CurrentIdentityAssociation identities, AuditLog audit) {
        this.identities = identities;
        this.audit = audit;
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        String method = request.getMethod();
        String path = request.getUriInfo().getPath();
        if (!MUTATING.contains(method) || !path.startsWith(API)) {
            return;
        }
        AuditEntry entry = new AuditEntry();
        entry.at = Instant.now().truncatedTo(ChronoUnit.MICROS);
        entry.method = method;
        entry.path = path;
        entry.status = response.getStatus();
        SecurityIdentity identity = identity();
        if (identity != null && !identity.isAnonymous()) {
            entry.subject = identity.getPrincipal().getName();
            entry.role = Roles.highest(identity.getRoles()).orElse(null);
        } else {
            entry.subject =
                    request.getHeaderString(HttpHeaders.AUTHORIZATION) == null ? "(anonymous)" : "(invalid token)";
        }
        String[] target = target(path);
        entry.targetKind = target[0];
        entry.targetId = target[1];
        entry.detail = detail(response);
        try {
            audit.record(entry);
        } catch (RuntimeException e) {
            LOG.errorf(e, "could not record the audit entry for %s %s (status %d)", method, path, entry.status);
        }
    }

    /**
     * The caller, or null when its token was refused. Authentication already ran for the role check, so the
     * (memoized) deferred identity answers at once, also on the event loop, where refused calls are answered.
     */
    private SecurityIdentity identity() {
        AtomicReference<SecurityIdentity> identity = new AtomicReference<>();
        identities.getDeferredIdentity().subscribe().with(identity::set, failure -> identity.set(null));
        return identity.get();
    }

    /** {@code /api/v1/plans/<name>/...} touches a plan, {@code /api/v1/runs/<id>/...} a run, {@code agents/<id>} an agent. */
    static String[] target(String path) {
        String[] parts = path.substring(API.length()).split("/");
        if (parts.length >= 2 && !parts[1].isEmpty()) {
            switch (parts[0]) {
                case "plans":
                    return new String[] {"plan", parts[1]};
                case "runs":
                    return new String[] {"run", parts[1]};
                case "agents":
                    return new String[] {"agent", parts[1]};
                default:
                    break;
            }
        }
        return new String[] {null, null};
    }

    private static String detail(ContainerResponseContext response) {
        String detail = null;
        if (response.getEntity() instanceof Problem problem) {
            detail = problem.detail();
            Object runId = problem.any().get("runId");
            if (runId != null) {
                detail = "run " + runId + ": " + detail;
            }
        } else {
            Object location = response.getHeaders().getFirst(HttpHeaders.LOCATION);
            if (location != null) {
                String l = location.toString();
                int runs = l.indexOf("/runs/");
                detail = runs >= 0 ? "run " + l.substring(runs + "/runs/".length()) : l;
            }
        }
        return detail == null || detail.length() <= MAX_DETAIL ? detail : detail.substring(0, MAX_DETAIL);
    }
}
