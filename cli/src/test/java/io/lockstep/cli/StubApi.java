package io.lockstep.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small in-process stand-in for the coordinator's API: canned answers per "METHOD /path?query" (the last one of a
 * route repeats), and every request it received, with its Authorization header and body.
 */
final class StubApi implements AutoCloseable {

    record Answer(int status, String contentType, String body) {}

    record Request(String method, String target, String authorization, String body) {}

    private final HttpServer server;
    private final Map<String, Deque<Answer>> routes = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();

    StubApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String target = exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null
                            ? ""
                            : "?" + exchange.getRequestURI().getRawQuery());
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Request(
                    exchange.getRequestMethod(),
                    target,
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    body));
            Deque<Answer> answers = routes.get(exchange.getRequestMethod() + " " + target);
            Answer answer;
            if (answers == null) {
                answer = new Answer(
                        404,
                        "application/problem+json",
                        "{\"title\":\"Not found\",\"status\":404,\"detail\":\"stub has no " + target + "\"}");
            } else {
                synchronized (answers) {
                    answer = answers.size() > 1 ? answers.poll() : answers.peek();
                }
            }
            byte[] bytes = answer.body() == null ? new byte[0] : answer.body().getBytes(StandardCharsets.UTF_8);
            if (answer.contentType() != null) {
                exchange.getResponseHeaders().add("Content-Type", answer.contentType());
            }
            exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                exchange.getResponseBody().write(bytes);
            }
            exchange.close();
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers {@code route} ("GET /api/v1/runs") with these JSON bodies in turn, the last one from then on. */
    StubApi on(String route, int status, String... jsonBodies) {
        Deque<Answer> answers = new ArrayDeque<>();
        for (String body : jsonBodies) {
            answers.add(new Answer(status, status >= 400 ? "application/problem+json" : "application/json", body));
        }
        if (jsonBodies.length == 0) {
            answers.add(new Answer(status, null, null));
        }
        routes.put(route, answers);
        return this;
    }

    /**
     * Answers {@code route} with a server-sent-event stream of these JSON documents, then ends it; each call takes the
     * next list of {@code streams}, the last one from then on.
     */
    StubApi onStream(String route, List<List<String>> streams) {
        Deque<Answer> answers = new ArrayDeque<>();
        for (List<String> documents : streams) {
            StringBuilder body = new StringBuilder();
            for (String json : documents) {
                body.append("data:").append(json.replace("\n", " ")).append("\n\n");
            }
            answers.add(new Answer(200, "text/event-stream", body.toString()));
        }
        routes.put(route, answers);
        return this;
    }

    StubApi onRaw(String route, int status, String contentType, String body) {
        Deque<Answer> answers = new ArrayDeque<>();
        answers.add(new Answer(status, contentType, body));
        routes.put(route, answers);
        return this;
    }

    Request last(String method, String targetPrefix) {
        for (int i = requests.size() - 1; i >= 0; i--) {
            Request r = requests.get(i);
            if (r.method().equals(method) && r.target().startsWith(targetPrefix)) {
                return r;
            }
        }
        throw new AssertionError("no " + method + " " + targetPrefix + " among " + requests);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
