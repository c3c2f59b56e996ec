package io.lockstep.agent.core.repository;

import io.lockstep.agent.core.config.RepositoryConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.Encryption;
import io.lockstep.repository.S3Clients;

/** Makes the backup repository injectable in every agent. */
@ApplicationScoped
public class RepositoryProducer {

    @Produces
    @Singleton
    @Startup
    BackupRepository repository(RepositoryConfig config) {
        var s3 = S3Clients.create(config.endpoint(), config.region(), config.pathStyle(), config.accessKeyId(),
                config.secretAccessKey(), Math.max(64, 4 * Math.max(1, config.uploadConcurrency()) + 8));
        var repository = new BackupRepository(s3, config.bucket(), config.prefix().orElse(""), config.partSize(),
                config.uploadConcurrency(), Encryption.configure(config.encryption().enabled(),
                        config.encryption().keysetFile(), config.encryption().keyset(), config.encryption().kmsKeyArn(),
                        config.encryption().kmsRegion()));
        if (config.createBucket()) {
            repository.ensureBucket();
        }
        return repository;
    }

    void close(@Disposes BackupRepository repository) {
        repository.close();
    }
}
