package io.lockstep.agent.core.repository;

import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.RepositoryConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Makes the backup repository injectable in every agent. */
@ApplicationScoped
public class RepositoryProducer {

    @Produces
    @Singleton
    @Startup
    BackupRepository repository(RepositoryConfig config) {
        var repository = BackupRepository.open(
                config,
                config.partSize(),
                config.uploadConcurrency(),
                Math.max(64, 4 * Math.max(1, config.uploadConcurrency()) + 8));
        if (config.createBucket()) {
            repository.ensureBucket();
        }
        return repository;
    }

    void close(@Disposes BackupRepository repository) {
        repository.close();
    }
}
