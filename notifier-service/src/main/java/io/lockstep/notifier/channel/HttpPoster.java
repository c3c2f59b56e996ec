package io.lockstep.notifier.channel;

import io.lockstep.notifier.config.NotifierConfig;
import io.lockstep.notifier.routing.ChannelSpec;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * POSTs JSON for the webhook and Slack channels. One JDK HTTP client on its own small executor (never the common
 * pool); each call blocks the calling channel worker only.
 */
@ApplicationScoped
public class HttpPoster {

    private static final String USER_AGENT = "lockstep-notifier";

    private final NotifierConfig config;
    private final ExecutorService executor;
    private final HttpClient client;

    public HttpPoster(NotifierConfig config) {
        this.config = config;
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "notifier-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder()
                .executor(executor)
                .connectTimeout(config.delivery().timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * @throws DeliveryException on a connection failure, a timeout or a non-2xx answer; a 4xx other than 408 and
     *         429 is permanent
     */
    public void post(ChannelSpec channel, byte[] body, Map<String, String> headers) throws DeliveryException {
        HttpRequest.Builder request = HttpRequest.newBuilder(channel.url())
                .timeout(config.delivery().timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", USER_AGENT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        HttpResponse<Void> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            String detail = e.getMessage() == null ? "" : ": " + e.getMessage();
            throw new DeliveryException(
                    channel.scrub("cannot reach " + channel.target() + " ("
                            + e.getClass().getSimpleName() + detail + ")"),
                    false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException("interrupted while posting to " + channel.target(), false);
        }
        int status = response.statusCode();
        if (status / 100 != 2) {
            boolean permanent = status / 100 == 4 && status != 408 && status != 429;
            throw new DeliveryException("HTTP " + status + " from " + channel.target(), permanent);
        }
    }

    @PreDestroy
    void close() {
        executor.shutdownNow();
    }
}
