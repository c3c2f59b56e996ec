package io.lockstep.notifier.rest;

import io.lockstep.auth.Roles;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** 401 and 403 as RFC 9457 problem details, as the coordinator answers them; the notifier's other errors too. */
public class AuthProblems {

    /** A bearer token was sent but is not valid (unknown static token, bad JWT signature, expired JWT). */
    @ServerExceptionMapper
    public Response unauthenticated(AuthenticationFailedException e) {
        return unauthorized("the bearer token is not valid (unknown, expired or badly signed); send "
                + "'Authorization: Bearer <token>' with a configured API token or a JWT from the identity provider");
    }

    /** No token at all on an endpoint that needs one. */
    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e) {
        return unauthorized("this endpoint needs a bearer token: send 'Authorization: Bearer <token>'");
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return problem(
                403,
                "Forbidden",
                "the notifier's API needs one of the roles " + Roles.ALL + "; this token has none of them");
    }

    private static Response unauthorized(String detail) {
        return Response.fromResponse(problem(401, "Unauthorized", detail))
                .header("WWW-Authenticate", "Bearer")
                .build();
    }

    static Response problem(int status, String title, String detail) {
        return Response.status(status)
                .type("application/problem+json")
                .entity(Map.of("type", "about:blank", "title", title, "status", status, "detail", detail))
                .build();
    }
}
