package io.lockstep.coordinator.rest;

import io.lockstep.auth.Roles;
import io.lockstep.coordinator.catalog.AgentEntity;
import io.lockstep.coordinator.catalog.StoreEntity;
import io.lockstep.coordinator.run.AgentLiveness;
import io.lockstep.coordinator.run.RunStateMachine;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * What agents and stores have announced, with liveness as backups judge it ({@link AgentLiveness}); and forgetting an
 * agent, the one way a store it serves can pass to another agent.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class AgentResource {

    private static final Logger LOG = Logger.getLogger(AgentResource.class);

    private final AgentLiveness liveness;
    private final RunStateMachine machine;
    private final SecurityIdentity identity;

    public AgentResource(AgentLiveness liveness, RunStateMachine machine, SecurityIdentity identity) {
        this.liveness = liveness;
        this.machine = machine;
        this.identity = identity;
    }

    @GET
    @Path("/agents")
    @RolesAllowed(Roles.VIEWER)
    public List<Views.AgentView> agents() {
        Map<String, List<String>> storesByAgent = StoreEntity.<StoreEntity>listAll().stream()
                .collect(Collectors.groupingBy(s -> s.agentId, Collectors.mapping(s -> s.id, Collectors.toList())));
        return AgentEntity.<AgentEntity>list("order by id").stream()
                .map(a -> Views.AgentView.of(a, storesByAgent.getOrDefault(a.id, List.of()), liveness))
                .toList();
    }

    @GET
    @Path("/stores")
    @RolesAllowed(Roles.VIEWER)
    public List<Views.StoreView> stores() {
        return StoreEntity.<StoreEntity>list("order by id").stream()
                .map(s -> Views.StoreView.of(s, liveness))
                .toList();
    }

    /**
     * Forgets an agent and the stores it served (a store has one agent): they leave {@code GET /agents} and
     * {@code GET /stores}, and another agent announcing those stores is registered for them. The steps dispatched to
     * the agent that have not ended are lost: each fails its run (which cancels the agent's work, should it still be
     * running, and releases quiesced stores). An agent still running announces itself again with its next heartbeat,
     * so forget an agent once it is stopped, or to hand its stores to another.
     */
    @DELETE
    @Path("/agents/{id}")
    @RolesAllowed(Roles.ADMIN)
    public Views.ForgottenAgent forget(@PathParam("id") String id) {
        String by = "an operator (" + identity.getPrincipal().getName() + ")";
        Views.ForgottenAgent forgotten = QuarkusTransaction.requiringNew().call(() -> {
            AgentEntity agent = AgentEntity.findById(id);
            if (agent == null) {
                throw ApiException.notFound("No agent " + id + " is known; GET /api/v1/agents lists them.");
            }
            List<UUID> failed = machine.onAgentForgotten(id, by);
            List<String> stores = StoreEntity.<StoreEntity>list("agentId = ?1 order by id", id).stream()
                    .map(s -> s.id)
                    .toList();
            StoreEntity.delete("agentId", id);
            agent.delete();
            return new Views.ForgottenAgent(
                    id, stores, failed.stream().map(UUID::toString).toList());
        });
        LOG.warnf(
                "agent %s forgotten by %s, with its stores %s; runs failed: %s",
                id, by, forgotten.stores(), forgotten.failedRuns());
        return forgotten;
    }
}
