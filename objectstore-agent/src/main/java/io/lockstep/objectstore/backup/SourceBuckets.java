package io.lockstep.objectstore.backup;

import io.lockstep.repository.S3Clients;
import io.lockstep.objectstore.config.ObjectStoreAgentConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.s3.S3Client;

/** One S3 client per source store, built like the repository's. */
@ApplicationScoped
public class SourceBuckets {

    @Inject
    ObjectStoreAgentConfig config;

    private final Map<String, S3Client> clients = new ConcurrentHashMap<>();

    public S3Client of(String store) {
        return clients.computeIfAbsent(store, id -> {
            ObjectStoreAgentConfig.Store s = config.stores().get(id);
            return S3Clients.create(s.endpoint(), s.region(), s.pathStyle(), s.accessKeyId(), s.secretAccessKey(),
                    2 * config.copyConcurrency() + 4);
        });
    }

    @PreDestroy
    void close() {
        clients.values().forEach(S3Client::close);
    }
}
