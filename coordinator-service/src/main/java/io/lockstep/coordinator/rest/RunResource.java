package io.lockstep.coordinator.rest;

import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.run.RunState;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.lockstep.coordinator.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/** Runs: the history, and one run with its steps and evidence. */
@Path("/api/v1/runs")
@Produces(MediaType.APPLICATION_JSON)
public class RunResource {

    private static final int MAX_LIMIT = 500;

    @GET
    @RolesAllowed(Roles.VIEWER)
    public List<Views.RunView> list(@QueryParam("plan") String plan, @QueryParam("state") String state,
            @QueryParam("type") String type, @QueryParam("limit") Integer limit) {
        int size = limit == null ? 50 : limit;
        if (size < 1 || size > MAX_LIMIT) {
            throw new ApiException(400, "Invalid query", "limit must be between 1 and " + MAX_LIMIT);
        }
        List<String> where = new ArrayList<>();
        Parameters params = new Parameters();
        if (plan != null && !plan.isBlank()) {
            where.add("plan = :plan");
            params.and("plan", plan);
        }
        if (state != null && !state.isBlank()) {
            where.add("state = :state");
            params.and("state", parseState(state));
        }
        if (type != null && !type.isBlank()) {
            String t = type.toUpperCase(Locale.ROOT);
            if (!t.equals("BACKUP") && !t.equals("RESTORE")) {
                throw new ApiException(400, "Invalid query", "type must be backup or restore, not '" + type + "'");
            }
            where.add("type = :type");
            params.and("type", t);
        }
        var query = where.isEmpty() ? RunEntity.<RunEntity>findAll(Sort.descending("createdAt"))
                : RunEntity.<RunEntity>find(String.join(" and ", where), Sort.descending("createdAt"), params);
        return query.page(Page.ofSize(size)).list().stream().map(r -> Views.RunView.of(r, null)).toList();
    }

    @GET
    @Path("/{id}")
    @RolesAllowed(Roles.VIEWER)
    public Views.RunView get(@PathParam("id") String id) {
        UUID runId;
        try {
            runId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "Invalid run id", "'" + id + "' is not a run id (a UUID)");
        }
        RunEntity run = RunEntity.findById(runId);
        if (run == null) {
            throw ApiException.notFound("no run with id " + id);
        }
        return Views.RunView.of(run, StepEntity.ofRun(run.id));
    }

    private static RunState parseState(String state) {
        try {
            return RunState.valueOf(state.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "Invalid query", "unknown state '" + state + "'; use one of "
                    + Arrays.toString(RunState.values()));
        }
    }
}
