package io.lockstep.search.client;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import io.lockstep.search.config.SearchAgentConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.http.Header;
import org.apache.http.HttpHost;
import org.apache.http.message.BasicHeader;
import org.elasticsearch.client.RestClient;

/**
 * One Elasticsearch client per store, built here rather than by a Quarkus extension: the 8.19 Java client
 * over the low-level REST client speaks to 8.x servers and, through their v8 compatibility, to 9.x.
 */
@ApplicationScoped
public class ElasticsearchClients {

    private final SearchAgentConfig config;
    private final Map<String, RestClientTransport> transports = new ConcurrentHashMap<>();

    @Inject
    public ElasticsearchClients(SearchAgentConfig config) {
        this.config = config;
    }

    public ElasticsearchClient of(String store) {
        return new ElasticsearchClient(transports.computeIfAbsent(store, this::transport));
    }

    private RestClientTransport transport(String store) {
        SearchAgentConfig.Store s = config.stores().get(store);
        var builder = RestClient.builder(HttpHost.create(s.url().toString()));
        if (s.username().isPresent()) {
            String password = s.passwordFile()
                    .map(f -> firstLine(store, f))
                    .or(s::password)
                    .orElse("");
            String token = Base64.getEncoder()
                    .encodeToString((s.username().get() + ":" + password).getBytes(StandardCharsets.UTF_8));
            builder.setDefaultHeaders(new Header[] {new BasicHeader("Authorization", "Basic " + token)});
        }
        return new RestClientTransport(builder.build(), new JacksonJsonpMapper());
    }

    /** The password file's first line; an error names the file, never its content. */
    private static String firstLine(String store, Path file) {
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.findFirst().orElse("");
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalStateException("cannot read the password file " + file + " of search store " + store + " ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    @PreDestroy
    void close() throws IOException {
        for (RestClientTransport transport : transports.values()) {
            transport.close();
        }
    }
}
