package io.lockstep.coordinator.rest;

import io.lockstep.auth.Roles;
import io.lockstep.coordinator.catalog.CheckEntity;
import io.lockstep.coordinator.check.CheckRejectedException;
import io.lockstep.coordinator.check.RepositoryChecks;
import io.lockstep.coordinator.resync.CatalogResync;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;

/**
 * The repository check (issue 16): {@code POST /repository/check} starts one in the background (202 with the check
 * to follow), {@code GET /repository/checks/{id}} shows its progress and, once ended, its summary;
 * {@code POST /repository/resync} rebuilds the catalog's plans, runs and steps from the repository.
 */
@Path("/api/v1/repository")
@Produces(MediaType.APPLICATION_JSON)
public class RepositoryResource {

    private static final int MAX_LIMIT = 100;

    private final RepositoryChecks checks;
    private final SecurityIdentity identity;
    private final CatalogResync resync;

    public RepositoryResource(RepositoryChecks checks, SecurityIdentity identity, CatalogResync resync) {
        this.checks = checks;
        this.identity = identity;
        this.resync = resync;
    }

    /**
     * Rebuilds plans, runs and steps from the repository ({@link CatalogResync}); answers with what it found once done.
     * Merges: what the catalog has stays as it is, so running it twice adds nothing the second time.
     */
    @POST
    @Path("/resync")
    @RolesAllowed(Roles.ADMIN)
    public CatalogResync.Report resync(@QueryParam("plan") String plan) {
        try {
            return resync.resync(plan == null || plan.isBlank() ? null : plan);
        } catch (CatalogResync.ResyncRejectedException e) {
            throw new ApiException(409, "Conflict", e.getMessage());
        }
    }

    @POST
    @Path("/check")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.OPERATOR)
    public Response check(Views.CheckRequest request) {
        boolean readData = request != null && Boolean.TRUE.equals(request.readData());
        Integer sample = request == null ? null : request.sample();
        if (sample != null && !readData) {
            throw new ApiException(400, "Bad request", "sample applies only with readData");
        }
        try {
            CheckEntity started =
                    checks.start(readData, sample, identity.getPrincipal().getName());
            return Response.accepted(Views.CheckView.of(started))
                    .header("Location", "/api/v1/repository/checks/" + started.id)
                    .build();
        } catch (CheckRejectedException e) {
            throw new ApiException(e.status(), e.title(), e.getMessage());
        }
    }

    @GET
    @Path("/checks")
    @RolesAllowed(Roles.VIEWER)
    public List<Views.CheckView> list(@QueryParam("limit") Integer limit) {
        int n = limit == null ? 20 : limit;
        if (n < 1 || n > MAX_LIMIT) {
            throw new ApiException(400, "Bad request", "limit must be from 1 to " + MAX_LIMIT);
        }
        return checks.recent(n).stream().map(Views.CheckView::of).toList();
    }

    @GET
    @Path("/checks/{id}")
    @RolesAllowed(Roles.VIEWER)
    public Views.CheckView get(@PathParam("id") String id) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "Bad request", "not a check id: " + id);
        }
        CheckEntity check = checks.find(uuid);
        if (check == null) {
            throw ApiException.notFound("no repository check with id " + id);
        }
        return Views.CheckView.of(check);
    }
}
