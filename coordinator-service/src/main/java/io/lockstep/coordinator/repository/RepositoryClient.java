package io.lockstep.coordinator.repository;

import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.RepositoryConfig;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The coordinator's one client of the backup repository: it writes run manifests (run.json), deletes expired runs'
 * artifacts and collects unreferenced blobs. Absent when no bucket is configured.
 */
@ApplicationScoped
public class RepositoryClient {

    private static final Logger LOG = Logger.getLogger(RepositoryClient.class);
    /** The coordinator writes only small manifests: one part size, one upload at a time. */
    private static final int PART_SIZE = 8 * 1024 * 1024;

    private final RepositoryConfig config;
    private BackupRepository repository;

    @Inject
    RepositoryClient(RepositoryConfig config) {
        this.config = config;
    }

    @PostConstruct
    void init() {
        if (config.bucket().isEmpty()) {
            LOG.warn("lockstep.repository.bucket is not set: run manifests (run.json) are not written and retention "
                    + "deletes no artifact");
            return;
        }
        repository = BackupRepository.open(config, PART_SIZE, 1, 4);
    }

    @PreDestroy
    void close() {
        if (repository != null) {
            repository.close();
        }
    }

    public Optional<BackupRepository> get() {
        return Optional.ofNullable(repository);
    }
}
