package io.lockstep.notifier.rest;

import io.lockstep.auth.Roles;
import io.lockstep.notifier.delivery.Delivery;
import io.lockstep.notifier.delivery.DeliveryLog;
import io.lockstep.notifier.routing.EventClass;
import io.lockstep.notifier.routing.Route;
import io.lockstep.notifier.routing.Routing;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The notifier's small read-only API. Routes and channels come from configuration and are only shown here; channel
 * secrets and webhook URLs beyond scheme, host and port never appear. Every call needs a bearer token of the
 * coordinator's kind (api-auth): what it shows is no secret, so any role may read it ({@link Roles#VIEWER}).
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class NotifierResource {

    static final int MAX_LIMIT = 1000;

    private final Routing routing;
    private final DeliveryLog deliveries;

    @Inject
    public NotifierResource(Routing routing, DeliveryLog deliveries) {
        this.routing = routing;
        this.deliveries = deliveries;
    }

    /** A route as shown by the API. */
    public record RouteView(String name, List<String> plans, List<String> events, List<String> channels) {}

    /** A channel as shown by the API: where it delivers, never how it authenticates. */
    public record ChannelView(String name, String type, String target, boolean signed) {}

    public record RoutesView(List<RouteView> routes, List<ChannelView> channels) {}

    @GET
    @Path("/routes")
    @RolesAllowed(Roles.VIEWER)
    public RoutesView routes() {
        List<RouteView> routes =
                routing.routes().stream().map(NotifierResource::view).toList();
        List<ChannelView> channels = routing.channels().values().stream()
                .map(c -> new ChannelView(c.name(), c.type().wireName(), c.target(), c.secret() != null))
                .toList();
        return new RoutesView(routes, channels);
    }

    /**
     * Recent deliveries, newest first, from memory (a restart forgets them).
     *
     * @param limit at most this many (default 50, at most 1000)
     */
    @GET
    @Path("/deliveries")
    @RolesAllowed(Roles.VIEWER)
    public Response deliveries(
            @QueryParam("limit") String limit,
            @QueryParam("channel") String channel,
            @QueryParam("plan") String plan,
            @QueryParam("eventId") String eventId,
            @QueryParam("outcome") String outcome) {
        int max;
        try {
            max = limit == null || limit.isBlank() ? 50 : Integer.parseInt(limit.trim());
        } catch (NumberFormatException e) {
            return badRequest("limit must be a whole number from 1 to " + MAX_LIMIT + ", not \"" + limit + "\"");
        }
        if (max < 1 || max > MAX_LIMIT) {
            return badRequest("limit must be from 1 to " + MAX_LIMIT + ", not " + max);
        }
        Delivery.Outcome wanted = null;
        if (outcome != null && !outcome.isBlank()) {
            try {
                wanted = Delivery.Outcome.valueOf(outcome.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return badRequest("outcome must be one of PENDING, RETRYING, DELIVERED, DEAD_LETTERED");
            }
        }
        Delivery.Outcome only = wanted;
        Predicate<Delivery.View> filter = d -> (channel == null || channel.equals(d.channel()))
                && (plan == null || plan.equals(d.plan()))
                && (eventId == null || eventId.equals(d.eventId()))
                && (only == null || only == d.outcome());
        return Response.ok(deliveries.recent(filter, max)).build();
    }

    private static RouteView view(Route r) {
        List<String> events =
                r.events().stream().sorted().map(EventClass::wireName).toList();
        return new RouteView(r.name(), r.plans(), events, r.channels());
    }

    private static Response badRequest(String detail) {
        return AuthProblems.problem(400, "Bad request", detail);
    }
}
