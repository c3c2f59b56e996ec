package io.lockstep.coordinator.rest;

import io.lockstep.auth.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * Who the caller is: the token's name (or the JWT's principal) and its most powerful role, so that a client (the
 * console) shows only what that role may do. The API still checks every call.
 */
@Path("/api/v1/me")
@Produces(MediaType.APPLICATION_JSON)
public class SessionResource {

    /** The caller's name and most powerful Lockstep role. */
    public record Me(String subject, String role) {}

    private final SecurityIdentity identity;

    public SessionResource(SecurityIdentity identity) {
        this.identity = identity;
    }

    @GET
    @RolesAllowed(Roles.VIEWER)
    public Me me() {
        return new Me(
                identity.getPrincipal().getName(),
                Roles.highest(identity.getRoles()).orElse(Roles.VIEWER));
    }
}
