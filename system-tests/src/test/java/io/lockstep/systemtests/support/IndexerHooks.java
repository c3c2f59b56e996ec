package io.lockstep.systemtests.support;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The application's indexer control, as a real HTTP endpoint the search-agent's quiesce and resume hooks call.
 * The test's writer asks {@link #paused()} before it indexes, like an indexer that honours a pause.
 */
public final class IndexerHooks {

    private final HttpServer server;
    private final AtomicBoolean paused = new AtomicBoolean();
    public final AtomicInteger pauses = new AtomicInteger();
    public final AtomicInteger resumes = new AtomicInteger();

    private IndexerHooks(HttpServer server) {
        this.server = server;
    }

    static IndexerHooks start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        IndexerHooks hooks = new IndexerHooks(server);
        server.createContext("/pause", exchange -> {
            hooks.paused.set(true);
            hooks.pauses.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.createContext("/resume", exchange -> {
            hooks.paused.set(false);
            hooks.resumes.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        return hooks;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    public boolean paused() {
        return paused.get();
    }
}
