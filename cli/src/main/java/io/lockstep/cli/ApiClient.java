package io.lockstep.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The coordinator's REST API over {@code java.net.http}. An error answer becomes {@link CliException.Refused} (exit
 * 3), a coordinator out of reach {@link CliException#unreachable} (exit 4). The token goes only into the
 * {@code Authorization} header.
 */
public final class ApiClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final HttpClient http;
    private final Duration timeout;

    /** A response that succeeded: its status and body (null when empty). */
    public record Reply(int status, JsonNode body) {}

    public ApiClient(Settings settings, Duration timeout) {
        this.base = settings.url();
        this.token = settings.token();
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .build();
    }

    public Reply get(String path) {
        return send("GET", path, null);
    }

    public Reply post(String path, JsonNode body) {
        return send("POST", path, body);
    }

    public Reply put(String path, JsonNode body) {
        return send("PUT", path, body);
    }

    public Reply patch(String path, JsonNode body) {
        return send("PATCH", path, body);
    }

    public Reply delete(String path) {
        return send("DELETE", path, null);
    }

    /**
     * Reads a server-sent-event stream of JSON documents ({@code data:} lines), handing each to {@code onEvent},
     * until the server ends it. Only connecting is bounded by the timeout: a stream may stay quiet while nothing
     * changes.
     *
     * @return false if the coordinator has no such stream (404 before any event), so the caller can poll instead
     */
    public boolean stream(String path, java.util.function.Consumer<JsonNode> onEvent) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).header("Accept", "text/event-stream");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<java.util.stream.Stream<String>> response =
                    http.send(request.GET().build(), HttpResponse.BodyHandlers.ofLines());
            try (java.util.stream.Stream<String> lines = response.body()) {
                if (response.statusCode() == 404) {
                    return false;
                }
                if (response.statusCode() >= 400) {
                    throw new CliException.Refused(
                            ApiProblem.of(response.statusCode(), String.join("\n", lines.toList())));
                }
                for (String line : (Iterable<String>) lines::iterator) {
                    if (line.startsWith("data:")) {
                        onEvent.accept(
                                JSON.readTree(line.substring("data:".length()).trim()));
                    }
                }
                return true;
            }
        } catch (HttpConnectTimeoutException e) {
            throw unreachable("connecting timed out after " + timeout.toSeconds() + " s");
        } catch (java.net.ConnectException e) {
            throw unreachable("connection refused");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw unreachable(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable("interrupted");
        }
    }

    Reply send(String method, String path, JsonNode body) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(base.resolve(path)).timeout(timeout).header("Accept", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
            request.method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException e) {
            throw unreachable("connecting timed out after " + timeout.toSeconds() + " s");
        } catch (HttpTimeoutException e) {
            throw unreachable("no answer within " + timeout.toSeconds() + " s to " + method + " " + path);
        } catch (java.net.ConnectException e) {
            throw unreachable("connection refused");
        } catch (IOException e) {
            throw unreachable(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable("interrupted");
        }
        int status = response.statusCode();
        if (status >= 400) {
            throw new CliException.Refused(ApiProblem.of(status, response.body()));
        }
        String text = response.body();
        if (text == null || text.isBlank()) {
            return new Reply(status, null);
        }
        try {
            return new Reply(status, JSON.readTree(text));
        } catch (IOException e) {
            throw new CliException(
                    ExitCodes.INTERNAL,
                    "lockstep: " + method + " " + path + " answered " + status + " with a body that is not JSON;"
                            + " is " + base + " a Lockstep coordinator?");
        }
    }

    private CliException unreachable(String why) {
        return CliException.unreachable("lockstep: cannot reach the coordinator at " + base + " (" + why
                + "). What to do: check --url, LOCKSTEP_URL or url= in the config file, and that the coordinator"
                + " runs (deploy/local/status)");
    }

    /** One path segment, percent-encoded (a plan name with a space or a slash stays one segment). */
    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A query string of the parameters that are set, in order; empty when none is. */
    public static String query(Map<String, ?> params) {
        StringJoiner joiner = new StringJoiner("&", "?", "");
        joiner.setEmptyValue("");
        params.forEach((k, v) -> {
            if (v != null && !v.toString().isBlank()) {
                joiner.add(k + "=" + URLEncoder.encode(v.toString(), StandardCharsets.UTF_8));
            }
        });
        return joiner.toString();
    }

    /** A small ordered map for {@link #query}. */
    public static Map<String, Object> params(Object... keyValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }
}
