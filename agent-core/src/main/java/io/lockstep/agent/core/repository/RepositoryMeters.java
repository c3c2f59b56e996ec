package io.lockstep.agent.core.repository;

import io.lockstep.repository.BackupRepository;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * {@code lockstep_agent_multipart_uploads_aborted_total}: the multipart uploads this agent aborted, by cause:
 * {@code failed} (its own upload failed or was refused: a process exit, a cancel, an S3 error) or {@code stale} (the
 * sweeper removed an upload a killed predecessor left). Read from the repository's own counters at each scrape.
 */
@Singleton
public class RepositoryMeters implements MeterBinder {

    public static final String UPLOADS_ABORTED = "lockstep.agent.multipart.uploads.aborted";

    private final BackupRepository repository;

    @Inject
    public RepositoryMeters(BackupRepository repository) {
        this.repository = repository;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder(UPLOADS_ABORTED, repository, BackupRepository::uploadsAborted)
                .description("Multipart uploads this agent aborted")
                .tag("cause", "failed")
                .register(registry);
        FunctionCounter.builder(UPLOADS_ABORTED, repository, BackupRepository::staleUploadsAborted)
                .description("Multipart uploads this agent aborted")
                .tag("cause", "stale")
                .register(registry);
    }
}
