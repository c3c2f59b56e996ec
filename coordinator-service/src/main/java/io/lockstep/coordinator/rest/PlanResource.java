package io.lockstep.coordinator.rest;

import io.lockstep.auth.Roles;
import io.lockstep.coordinator.catalog.PlanEntity;
import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.plan.PlanService;
import io.lockstep.coordinator.retention.Retention;
import io.lockstep.coordinator.run.RunStateMachine;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Backup plans, and starting a backup of one. */
@Path("/api/v1/plans")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class PlanResource {

    private final PlanService plans;
    private final RunStateMachine machine;
    private final Retention retention;

    public PlanResource(PlanService plans, RunStateMachine machine, Retention retention) {
        this.plans = plans;
        this.machine = machine;
        this.retention = retention;
    }

    @GET
    @RolesAllowed(Roles.VIEWER)
    public List<Views.PlanView> list() {
        return plans.list().stream().map(Views.PlanView::of).toList();
    }

    @GET
    @Path("/{name}")
    @RolesAllowed(Roles.VIEWER)
    public Views.PlanView get(@PathParam("name") String name) {
        return Views.PlanView.of(plans.find(name).orElseThrow(() -> unknownPlan(name)));
    }

    /** Creates (201) or replaces (200) a plan. */
    @PUT
    @Path("/{name}")
    @RolesAllowed(Roles.OPERATOR)
    public Response put(@PathParam("name") String name, PlanSpec spec) {
        boolean exists = plans.find(name).isPresent();
        PlanEntity plan = plans.put(name, spec);
        return Response.status(exists ? 200 : 201)
                .entity(Views.PlanView.of(plan))
                .build();
    }

    @DELETE
    @Path("/{name}")
    @RolesAllowed(Roles.OPERATOR)
    public Response delete(@PathParam("name") String name) {
        if (!plans.delete(name)) {
            throw unknownPlan(name);
        }
        return Response.noContent().build();
    }

    /**
     * Starts a backup now: 202 with the run. A store that cannot be backed up (no live agent) fails the run at
     * once and answers 409 with the reason and the failed run's id.
     */
    @POST
    @Path("/{name}/backups")
    @RolesAllowed(Roles.OPERATOR)
    public Response backup(@PathParam("name") String name, Views.BackupRequest request) {
        String label = request == null ? null : request.label();
        boolean pin = request != null && Boolean.TRUE.equals(request.pin());
        if (label != null && label.length() > 200) {
            throw new ApiException(400, "Invalid backup request", "the label is longer than 200 characters");
        }
        // The run is committed whatever its fate, so a run that could not start stays in the history.
        Views.RunView run = QuarkusTransaction.requiringNew().call(() -> {
            PlanEntity plan = plans.find(name).orElseThrow(() -> unknownPlan(name));
            RunEntity started = machine.startBackup(plan, label, pin);
            return Views.RunView.of(started, StepEntity.ofRun(started.id));
        });
        if (RunState.FAILED.name().equals(run.state())) {
            throw new ApiException(
                    409,
                    "Backup cannot start",
                    run.error(),
                    Map.of("runId", run.id().toString()));
        }
        return Response.accepted(run)
                .header("Location", "/api/v1/runs/" + run.id())
                .build();
    }

    /** What retention would delete now, and why (rule per run). Only a dry run: POST applies it. */
    @GET
    @Path("/{name}/retention")
    @RolesAllowed(Roles.VIEWER)
    public Retention.Report retention(
            @PathParam("name") String name, @QueryParam("dryRun") @DefaultValue("true") boolean dryRun) {
        if (!dryRun) {
            throw new ApiException(
                    400,
                    "Invalid query",
                    "GET only previews retention (dryRun=true); " + "POST /api/v1/plans/" + name
                            + "/retention applies it");
        }
        plans.find(name).orElseThrow(() -> unknownPlan(name));
        return retention.preview(name, Instant.now());
    }

    /** Applies the plan's retention now: expires runs, deletes their artifacts, collects blobs. */
    @POST
    @Path("/{name}/retention")
    @RolesAllowed(Roles.ADMIN)
    @Consumes(MediaType.WILDCARD)
    public Retention.PassResult applyRetention(@PathParam("name") String name) {
        plans.find(name).orElseThrow(() -> unknownPlan(name));
        return retention
                .applyNow(name, Instant.now())
                .orElseThrow(() -> new ApiException(
                        409,
                        "Retention is busy",
                        "another coordinator is running a retention pass; retry in a minute"));
    }

    static ApiException unknownPlan(String name) {
        return ApiException.notFound("no plan named '" + name + "'; GET /api/v1/plans lists them");
    }
}
