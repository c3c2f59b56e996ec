package io.lockstep.systemtests.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import org.awaitility.Awaitility;

/** A small client of the coordinator's REST API. */
public final class Api {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TERMINAL = Set.of("CONSISTENT", "FAILED", "CANCELLED", "SUCCEEDED");

    private final String base;
    private final String token;
    private final HttpClient http = HttpClient.newHttpClient();

    /** A client that sends {@code token} as its bearer token (null: no Authorization header). */
    public Api(String base, String token) {
        this.base = base;
        this.token = token;
    }

    /** The coordinator's base URL ({@code http://127.0.0.1:<port>}). */
    public String base() {
        return base;
    }

    /** The same API, called with another token (null: none). */
    public Api withToken(String otherToken) {
        return new Api(base, otherToken);
    }

    /** A response: status, content type and parsed body (null when empty or not JSON). */
    public record Reply(int status, String contentType, JsonNode body, String raw) {}

    public Reply get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    public Reply put(String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    public Reply post(String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    public Reply patch(String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json)));
    }

    public Reply delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
    }

    private Reply send(HttpRequest.Builder request) {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response =
                    http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = null;
            try {
                body = response.body().isEmpty() ? null : JSON.readTree(response.body());
            } catch (IOException notJson) {
                // keep raw
            }
            return new Reply(
                    response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""),
                    body,
                    response.body());
        } catch (IOException e) {
            throw new IllegalStateException("API call failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the agent's stores are announced and live. */
    public void awaitStoreLive(String store) {
        Awaitility.await("store " + store + " live")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    JsonNode stores = get("/api/v1/stores").body();
                    for (JsonNode s : stores) {
                        if (s.path("id").asText().equals(store)
                                && s.path("live").asBoolean()) {
                            return true;
                        }
                    }
                    return false;
                });
    }

    public void putPlan(String name, String json) {
        Reply reply = put("/api/v1/plans/" + name, json);
        if (reply.status() != 200 && reply.status() != 201) {
            throw new AssertionError("PUT plan " + name + " answered " + reply.status() + ": " + reply.raw());
        }
    }

    /** Starts a backup and returns the run id (asserting 202). */
    public String startBackup(String plan) {
        Reply reply = post("/api/v1/plans/" + plan + "/backups", "{}");
        if (reply.status() != 202) {
            throw new AssertionError("backup of " + plan + " answered " + reply.status() + ": " + reply.raw());
        }
        return reply.body().get("id").asText();
    }

    /** Polls the run until it ends and returns it. */
    public JsonNode awaitEnd(String runId) {
        JsonNode[] last = new JsonNode[1];
        Awaitility.await("run " + runId + " ends")
                .atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    last[0] = get("/api/v1/runs/" + runId).body();
                    return TERMINAL.contains(last[0].path("state").asText());
                });
        return last[0];
    }
}
