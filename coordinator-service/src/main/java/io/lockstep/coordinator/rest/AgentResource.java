package io.lockstep.coordinator.rest;

import io.lockstep.auth.Roles;
import io.lockstep.coordinator.catalog.AgentEntity;
import io.lockstep.coordinator.catalog.StoreEntity;
import io.lockstep.coordinator.run.AgentLiveness;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** What agents and stores have announced, with liveness as backups judge it ({@link AgentLiveness}). */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class AgentResource {

    private final AgentLiveness liveness;

    public AgentResource(AgentLiveness liveness) {
        this.liveness = liveness;
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
}
