package io.lockstep.coordinator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.util.Optional;

/**
 * The backup repository, as the coordinator sees it: it writes only each run's manifest (run.json) there.
 * Use the same bucket and prefix as the agents. Without a bucket, no manifest is written.
 */
@ConfigMapping(prefix = "lockstep.repository")
public interface RepositoryConfig {

    Optional<URI> endpoint();

    @WithDefault("us-east-1")
    String region();

    Optional<String> bucket();

    Optional<String> prefix();

    /** Set through LOCKSTEP_REPOSITORY_ACCESS_KEY_ID; never in a committed file. */
    Optional<String> accessKeyId();

    /** Set through LOCKSTEP_REPOSITORY_SECRET_ACCESS_KEY; never in a committed file. */
    Optional<String> secretAccessKey();

    @WithDefault("true")
    boolean pathStyle();
}
