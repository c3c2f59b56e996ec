package io.lockstep.objectstore.client;

import io.lockstep.objectstore.config.ObjectStoreAgentConfig;
import io.lockstep.repository.S3Clients;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.s3.S3Client;

/** One S3 client per source store, built like the repository's. */
@ApplicationScoped
public class SourceBuckets {

    private final ObjectStoreAgentConfig config;
    private final Map<String, S3Client> clients = new ConcurrentHashMap<>();

    @Inject
    public SourceBuckets(ObjectStoreAgentConfig config) {
        this.config = config;
    }

    public S3Client of(String store) {
        return clients.computeIfAbsent(
                store, id -> S3Clients.create(config.stores().get(id), 2 * config.copyConcurrency() + 4));
    }

    @PreDestroy
    void close() {
        clients.values().forEach(S3Client::close);
    }
}
