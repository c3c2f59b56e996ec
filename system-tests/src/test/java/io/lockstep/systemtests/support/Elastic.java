package io.lockstep.systemtests.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A few calls to the real Elasticsearch, over plain HTTP. */
public final class Elastic {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Elastic() {}

    public record Reply(int status, JsonNode body) {}

    public static Reply call(String method, String path, String json) {
        var builder = HttpRequest.newBuilder(URI.create(Lockstep.ELASTICSEARCH + path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json");
        builder.method(
                method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        try {
            HttpResponse<String> response = HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body().isEmpty() ? null : JSON.readTree(response.body()));
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static void recreateIndex(String index) {
        call("DELETE", "/" + index, null);
        Reply created =
                call("PUT", "/" + index, "{\"settings\": {\"number_of_shards\": 1, \"number_of_replicas\": 0}}");
        if (created.status() != 200) {
            throw new IllegalStateException("cannot create index " + index + ": " + created.body());
        }
    }

    /** Indexes a document; returns the HTTP status (403 while the index is write-blocked). */
    public static int index(String index, String id, String json) {
        return call("PUT", "/" + index + "/_doc/" + id, json).status();
    }

    public static boolean writeBlocked(String index) {
        JsonNode settings = call("GET", "/" + index + "/_settings", null).body();
        return settings.path(index)
                .path("settings")
                .path("index")
                .path("blocks")
                .path("write")
                .asText("false")
                .equals("true");
    }

    public static JsonNode snapshot(String repository, String snapshot) {
        return call("GET", "/_snapshot/" + repository + "/" + snapshot, null).body();
    }

    /** The document count of an index after a refresh, or -1 if it does not exist. */
    public static long count(String index) {
        Reply refreshed = call("POST", "/" + index + "/_refresh", null);
        if (refreshed.status() == 404) {
            return -1;
        }
        return call("GET", "/" + index + "/_count", null).body().path("count").asLong();
    }

    /** Names of the indices matching a pattern. */
    public static java.util.List<String> indices(String pattern) {
        JsonNode body = call("GET", "/_cat/indices/" + pattern + "?format=json&expand_wildcards=all", null)
                .body();
        java.util.List<String> names = new java.util.ArrayList<>();
        if (body != null && body.isArray()) {
            body.forEach(i -> names.add(i.path("index").asText()));
        }
        return names;
    }
}
