package io.lockstep.notifier.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A local HTTP endpoint that records every request: {@code /ok/...} answers 200, {@code /fail/...} answers 500. */
final class HttpReceiver {

    /** One request as received; header names in lower case. */
    record Received(String path, Map<String, String> headers, byte[] body) {

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    private HttpReceiver(HttpServer server) {
        this.server = server;
    }

    static HttpReceiver start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        HttpReceiver receiver = new HttpReceiver(server);
        server.createContext("/ok", exchange -> receiver.answer(exchange, 200));
        server.createContext("/fail", exchange -> receiver.answer(exchange, 500));
        server.start();
        return receiver;
    }

    private void answer(HttpExchange exchange, int status) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        Map<String, String> headers = new TreeMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.get(0)));
        received.add(new Received(exchange.getRequestURI().getPath(), headers, body));
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The requests whose path starts with the prefix and whose event id header or body has the id. */
    List<Received> requests(String pathPrefix, String id) {
        return received.stream()
                .filter(r -> r.path().startsWith(pathPrefix))
                .filter(r -> id.equals(r.header("X-Lockstep-Event-Id"))
                        || new String(r.body(), StandardCharsets.UTF_8).contains(id))
                .toList();
    }

    void stop() {
        server.stop(0);
    }
}
