package io.lockstep.coordinator.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.lockstep.auth.Roles;
import io.lockstep.coordinator.plan.InvalidPlanException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place errors become responses: every failure is an RFC 9457 problem detail. Bad input is a 4xx that
 * says what was wrong; an unexpected error is a 500 with an id to find it in the log, and never its internals.
 */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    @ServerExceptionMapper
    public Response api(ApiException e, UriInfo uri) {
        return problem(e.status(), e.title(), e.getMessage(), uri, e.extensions());
    }

    /** A bearer token was sent but is not valid (unknown static token, bad JWT signature, expired JWT). */
    @ServerExceptionMapper
    public Response unauthenticated(AuthenticationFailedException e, UriInfo uri) {
        return unauthorized(
                "the bearer token is not valid (unknown, expired or badly signed); send "
                        + "'Authorization: Bearer <token>' with a configured API token or a JWT from the identity provider",
                uri);
    }

    /** No token at all on an endpoint that needs one. */
    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e, UriInfo uri) {
        return unauthorized("this endpoint needs a bearer token: send 'Authorization: Bearer <token>'", uri);
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return problem(
                403,
                "Forbidden",
                "the token's role may not do this; " + Roles.VIEWER + " reads, "
                        + Roles.OPERATOR + " also manages plans and starts backups and verifications, " + Roles.ADMIN
                        + " also restores, deletes runs, uses force and reads the audit log",
                uri,
                Map.of());
    }

    private static Response unauthorized(String detail, UriInfo uri) {
        Response problem = problem(401, "Unauthorized", detail, uri, Map.of());
        return Response.fromResponse(problem)
                .header("WWW-Authenticate", "Bearer")
                .build();
    }

    @ServerExceptionMapper
    public Response plan(InvalidPlanException e, UriInfo uri) {
        String title = switch (e.status()) {
            case 409 -> "Conflict";
            case 422 -> "Unprocessable plan";
            default -> "Invalid plan";
        };
        return problem(e.status(), title, e.getMessage(), uri, Map.of());
    }

    @ServerExceptionMapper
    public Response restore(io.lockstep.coordinator.run.RestoreRejectedException e, UriInfo uri) {
        return problem(
                e.status(), e.title(), e.getMessage(), uri, e.runId() == null ? Map.of() : RunResource.ids(e.runId()));
    }

    @ServerExceptionMapper
    public Response retention(io.lockstep.coordinator.retention.Retention.RetentionException e, UriInfo uri) {
        return problem(
                e.status(), e.status() == 404 ? "Not found" : "Run cannot be changed", e.getMessage(), uri, Map.of());
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, UriInfo uri) {
        return problem(400, "Malformed JSON", describe(e), uri, Map.of());
    }

    /** More specific than the mapper quarkus-rest-jackson ships, which answers 400 with no body. */
    @ServerExceptionMapper
    public Response mismatch(MismatchedInputException e, UriInfo uri) {
        return json(e, uri);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        Throwable cause = e.getCause();
        if (cause instanceof JsonProcessingException jpe) {
            return json(jpe, uri);
        }
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        String title = e.getResponse() == null
                ? "Error"
                : e.getResponse().getStatusInfo().getReasonPhrase();
        String detail = switch (status) {
            case 404 -> "no resource at " + uri.getPath();
            case 405 -> "method not allowed on " + uri.getPath();
            case 415 -> "send the body as application/json";
            case 400 -> "the request is malformed" + (e.getMessage() == null ? "" : ": " + e.getMessage());
            default -> e.getMessage();
        };
        return problem(status, title, detail, uri, Map.of());
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Throwable e, UriInfo uri) {
        String id = UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected error %s on %s", id, uri.getPath());
        return problem(
                500,
                "Internal error",
                "an unexpected error occurred; the coordinator log has it under id " + id,
                uri,
                Map.of("errorId", id));
    }

    static Response problem(int status, String title, String detail, UriInfo uri, Map<String, Object> extensions) {
        Problem body =
                new Problem("about:blank", title, status, detail, uri == null ? null : uri.getPath(), extensions);
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(body).build();
    }

    private static String describe(JsonProcessingException e) {
        String where = e.getLocation() == null
                ? ""
                : " at line " + e.getLocation().getLineNr() + ", column "
                        + e.getLocation().getColumnNr();
        if (e instanceof UnrecognizedPropertyException u) {
            return "unknown field \"" + u.getPropertyName() + "\"" + where;
        }
        if (e instanceof InvalidFormatException f) {
            return "field " + path(f) + " has an invalid value " + f.getValue() + where;
        }
        if (e instanceof MismatchedInputException m && !m.getPath().isEmpty()) {
            return "field " + path(m) + " has the wrong type" + where;
        }
        return "the body is not valid JSON: " + e.getOriginalMessage() + where;
    }

    private static String path(MismatchedInputException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".", "\"", "\""));
    }
}
