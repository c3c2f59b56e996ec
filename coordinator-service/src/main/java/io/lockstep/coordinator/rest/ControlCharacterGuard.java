package io.lockstep.coordinator.rest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Refuses with 400, before any lookup, what no name or field may hold: control characters (NUL included) in the
 * path or the query, and NUL anywhere in a JSON body (raw or escaped as {@code \u0000}). PostgreSQL cannot store NUL
 * in text, and no name Lockstep knows contains a control character, so such a request used to reach the catalog and
 * fail with 500. Other escaped control characters stay allowed in bodies (a reference query may hold {@code \n}).
 */
@Provider
@PreMatching
public class ControlCharacterGuard implements ContainerRequestFilter, ReaderInterceptor {

    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x1f\\x7f]");
    private static final Pattern ESCAPED_NUL = Pattern.compile("\\\\u0000");

    @Override
    public void filter(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (CONTROL.matcher(path).find()) {
            request.abortWith(refused("the path holds a control character (such as a NUL byte); names never do"));
            return;
        }
        for (Map.Entry<String, List<String>> param :
                request.getUriInfo().getQueryParameters().entrySet()) {
            if (CONTROL.matcher(param.getKey()).find()
                    || param.getValue().stream()
                            .anyMatch(v -> CONTROL.matcher(v).find())) {
                request.abortWith(refused(
                        "query parameter \"" + CONTROL.matcher(param.getKey()).replaceAll("?")
                                + "\" holds a control character (such as a NUL byte)"));
                return;
            }
        }
    }

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        byte[] body = context.getInputStream().readAllBytes();
        for (byte b : body) {
            if (b == 0) {
                throw nul();
            }
        }
        if (ESCAPED_NUL.matcher(new String(body, StandardCharsets.UTF_8)).find()) {
            throw nul();
        }
        context.setInputStream(new ByteArrayInputStream(body));
        return context.proceed();
    }

    private static WebApplicationException nul() {
        return new WebApplicationException(
                "a field of the body holds a NUL character (\\u0000), which no name or " + "value may hold", 400);
    }

    private static Response refused(String detail) {
        return ProblemMapper.problem(400, "Bad Request", detail, null, Map.of());
    }
}
