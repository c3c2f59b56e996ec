package io.lockstep.coordinator.rest;

import io.lockstep.auth.Roles;
import io.lockstep.coordinator.catalog.RestoreOptions;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.config.CoordinatorConfig;
import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.coordinator.retention.Retention;
import io.lockstep.coordinator.run.RestoreGate;
import io.lockstep.coordinator.run.RunChanges;
import io.lockstep.coordinator.run.RunStateMachine;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.security.RolesAllowed;
import jakarta.persistence.LockModeType;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** Runs: the history, one run with its steps and evidence, and what can be done with a backup. */
@Path("/api/v1/runs")
@Produces(MediaType.APPLICATION_JSON)
public class RunResource {

    private static final int MAX_LIMIT = 500;

    private final Retention retention;
    private final RestoreGate gate;
    private final RepositoryClient repository;
    private final RunStateMachine machine;
    private final SecurityIdentity identity;
    private final RunChanges changes;
    /**
     * How often the event stream reads a run from the catalog; it reads it at once when this coordinator ended it
     * ({@link RunChanges}), and sends it only when it changed.
     */
    private final Duration streamEvery;

    public RunResource(
            Retention retention,
            RestoreGate gate,
            RepositoryClient repository,
            RunStateMachine machine,
            SecurityIdentity identity,
            RunChanges changes,
            CoordinatorConfig config) {
        this.retention = retention;
        this.gate = gate;
        this.repository = repository;
        this.machine = machine;
        this.identity = identity;
        this.changes = changes;
        this.streamEvery = config.runStreamEvery();
    }

    @GET
    @RolesAllowed(Roles.VIEWER)
    public List<Views.RunView> list(
            @QueryParam("plan") String plan,
            @QueryParam("state") String state,
            @QueryParam("type") String type,
            @QueryParam("verified") String verified,
            @QueryParam("limit") Integer limit) {
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
            String t = type.toUpperCase(Locale.ROOT).replace('-', '_');
            if (Arrays.stream(RunType.values()).noneMatch(r -> r.name().equals(t))) {
                throw new ApiException(
                        400,
                        "Invalid query",
                        "type must be one of backup, restore, drill, dry_run, " + "verify, not '" + type + "'");
            }
            where.add("type = :type");
            params.and("type", RunType.valueOf(t));
        }
        if (verified != null && !verified.isBlank()) {
            if (!verified.equals("true") && !verified.equals("false")) {
                throw new ApiException(400, "Invalid query", "verified must be true or false, not '" + verified + "'");
            }
            where.add("type = :backup and verified = :verified");
            params.and("backup", RunType.BACKUP);
            params.and("verified", Boolean.parseBoolean(verified));
        }
        var query = where.isEmpty()
                ? RunEntity.<RunEntity>findAll(Sort.descending("createdAt"))
                : RunEntity.<RunEntity>find(String.join(" and ", where), Sort.descending("createdAt"), params);
        return query.page(Page.ofSize(size)).list().stream()
                .map(r -> Views.RunView.of(r, null))
                .toList();
    }

    @GET
    @Path("/{id}")
    @RolesAllowed(Roles.VIEWER)
    public Views.RunView get(@PathParam("id") String id) {
        RunEntity run = RunEntity.findById(parseId(id));
        if (run == null) {
            throw ApiException.notFound("no run with id " + id);
        }
        return Views.RunView.of(run, StepEntity.ofRun(run.id));
    }

    /**
     * The run as server-sent events: the whole run (as {@code GET /runs/{id}} returns it) at once, again each time it
     * changes (a step's state or progress, the run's state), and the stream ends after the run ended. The run is read
     * from the catalog on a worker thread every {@code lockstep.coordinator.run-stream-every} (500 ms), so any
     * coordinator serves it, whichever one processes the run's events, and at once when this coordinator ended it
     * ({@link RunChanges}); clients do not poll.
     */
    @GET
    @Path("/{id}/events")
    @RolesAllowed(Roles.VIEWER)
    @Blocking
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<Views.RunView> events(@PathParam("id") String id) {
        UUID runId = parseId(id);
        // Asked before each read: a run that ends while it is being read is read again at once.
        AtomicReference<CompletableFuture<Void>> signal = new AtomicReference<>(changes.next(runId));
        try {
            get(id); // 404 before the stream starts
        } catch (RuntimeException e) {
            changes.forget(runId, signal.get());
            throw e;
        }
        AtomicBoolean first = new AtomicBoolean(true);
        return Multi.createBy()
                .repeating()
                .uni(() -> (first.getAndSet(false)
                                ? Uni.createFrom().voidItem()
                                : Uni.createFrom()
                                        .completionStage(signal.get().copy()) // a timeout cancels the copy only
                                        .ifNoItem()
                                        .after(streamEvery)
                                        .recoverWithItem((Void) null))
                        .emitOn(Infrastructure.getDefaultWorkerPool())
                        .map(changed -> {
                            signal.set(changes.next(runId));
                            return QuarkusTransaction.requiringNew().call(() -> get(runId.toString()));
                        }))
                .whilst(run -> !RunState.valueOf(run.state()).terminal())
                .skip()
                .repetitions()
                .onTermination()
                .invoke(() -> changes.forget(runId, signal.get()));
    }

    /**
     * Cancels a run that has not ended: it ends CANCELLED at once, its steps are cancelled (running work killed,
     * uploads aborted) and its quiesced stores resumed, as when a run fails. 409 once it ended.
     */
    @POST
    @Path("/{id}/cancel")
    @RolesAllowed(Roles.OPERATOR)
    public Views.RunView cancel(@PathParam("id") String id) {
        UUID runId = parseId(id);
        String by = identity.getPrincipal().getName();
        return QuarkusTransaction.requiringNew().call(() -> {
            RunEntity run = RunEntity.findById(runId, LockModeType.PESSIMISTIC_WRITE);
            if (run == null) {
                throw ApiException.notFound("no run with id " + id);
            }
            if (run.state.terminal()) {
                throw new ApiException(
                        409, "Run already ended", "run " + id + " ended " + run.state + "; there is nothing to cancel");
            }
            machine.cancel(run, "cancelled by " + by);
            return view(run);
        });
    }

    /**
     * Restores a backup: 202 with the restore run. With {@code "dryRun": true}, 200 with what a restore would do
     * (or 202 with the dry run to follow if the agents take long to answer). New targets that already exist get a
     * 409 before anything starts.
     */
    @POST
    @Path("/{id}/restore")
    @RolesAllowed(Roles.ADMIN)
    @Consumes(MediaType.APPLICATION_JSON)
    public Response restore(@PathParam("id") String id, RestoreOptions request) {
        RestoreOptions options = request == null ? RestoreOptions.DEFAULT : request;
        UUID sourceId = parseId(id);
        gate.checkArtifacts(sourceId, options, repository.get().orElse(null));
        if (options.isDryRun()) {
            Views.RunView dryRun = gate.dryRun(sourceId, options, RunResource::view);
            return Response.status(dryRun.state().equals(RunState.RUNNING.name()) ? 202 : 200)
                    .entity(dryRun)
                    .header("Location", "/api/v1/runs/" + dryRun.id())
                    .build();
        }
        if (options.targets() != null && !options.targets().isEmpty()) {
            gate.refuseCollisions(sourceId, options);
        }
        Views.RunView run = gate.start(sourceId, RunType.RESTORE, options, RunResource::view);
        return Response.accepted(run)
                .header("Location", "/api/v1/runs/" + run.id())
                .build();
    }

    /** Verifies a backup again: {@code {"drill": true}} restores it into scratch targets and compares. */
    @POST
    @Path("/{id}/verify")
    @RolesAllowed(Roles.OPERATOR)
    @Consumes(MediaType.APPLICATION_JSON)
    public Response verify(@PathParam("id") String id, Views.VerifyRequest request) {
        boolean drill = request != null && Boolean.TRUE.equals(request.drill());
        UUID sourceId = parseId(id);
        gate.checkArtifacts(sourceId, RestoreOptions.DEFAULT, repository.get().orElse(null));
        Views.RunView run =
                gate.start(sourceId, drill ? RunType.DRILL : RunType.VERIFY, RestoreOptions.DEFAULT, RunResource::view);
        return Response.accepted(run)
                .header("Location", "/api/v1/runs/" + run.id())
                .build();
    }

    /** Pins ({@code {"pinned": true}}) or unpins a run; retention never expires a pinned run. */
    @PATCH
    @Path("/{id}")
    @RolesAllowed(Roles.OPERATOR)
    @Consumes(MediaType.APPLICATION_JSON)
    public Views.RunView patch(@PathParam("id") String id, Views.RunPatch patch) {
        if (patch == null || patch.pinned() == null) {
            throw new ApiException(
                    400, "Invalid run update", "the body must be {\"pinned\": true} or " + "{\"pinned\": false}");
        }
        UUID runId = parseId(id);
        return QuarkusTransaction.requiringNew().call(() -> {
            RunEntity run = retention.pin(runId, patch.pinned());
            return Views.RunView.of(run, StepEntity.ofRun(run.id));
        });
    }

    /**
     * Expires a run now: 202, and its artifacts are deleted as retention would (repository objects, search snapshots).
     * 409 while it runs; a pinned run or the plan's newest CONSISTENT run needs {@code ?force=true}.
     */
    @DELETE
    @Path("/{id}")
    @RolesAllowed(Roles.ADMIN)
    public Response delete(@PathParam("id") String id, @QueryParam("force") boolean force) {
        UUID runId = parseId(id);
        Views.RunView view = QuarkusTransaction.requiringNew().call(() -> {
            RunEntity run = retention.requestDelete(runId, force, Instant.now());
            return Views.RunView.of(run, null);
        });
        return Response.accepted(view).build();
    }

    static UUID parseId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "Invalid run id", "'" + id + "' is not a run id (a UUID)");
        }
    }

    private static RunState parseState(String state) {
        try {
            return RunState.valueOf(state.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ApiException(
                    400,
                    "Invalid query",
                    "unknown state '" + state + "'; use one of " + Arrays.toString(RunState.values()));
        }
    }

    private static Views.RunView view(RunEntity run) {
        return Views.RunView.of(run, StepEntity.ofRun(run.id));
    }

    static Map<String, Object> ids(UUID runId) {
        return Map.of("runId", runId.toString());
    }
}
