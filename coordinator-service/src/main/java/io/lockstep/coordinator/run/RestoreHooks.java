package io.lockstep.coordinator.run;

import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.UrlRedactor;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Calls a plan's stop-dependents and start-dependents hooks around an in-place restore: a POST with a small JSON
 * body, answered 2xx within the timeout. Its messages show the URL as every answer, run.json and log does
 * ({@link UrlRedactor#withoutSecrets(String)}): never its user info, query or fragment.
 */
@ApplicationScoped
public class RestoreHooks {

    static final Duration TIMEOUT = Duration.ofSeconds(15);
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /** Calls the hook; returns null on success or a readable reason. */
    public String call(String hook, String url, Map<String, Object> body) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                    .timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            EventCodec.mapper().writeValueAsString(body)))
                    .build();
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            return response.statusCode() / 100 == 2
                    ? null
                    : "the " + hook + " hook " + UrlRedactor.withoutSecrets(url) + " answered " + response.statusCode();
        } catch (IOException | IllegalArgumentException e) {
            return "the " + hook + " hook " + UrlRedactor.withoutSecrets(url) + " failed: "
                    + e.getClass().getSimpleName();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "the " + hook + " hook " + UrlRedactor.withoutSecrets(url) + " was interrupted";
        }
    }
}
