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

    /** Client-side encryption of every artifact this service writes (see docs/architecture.md). */
    Encryption encryption();

    interface Encryption {

        /**
         * Encrypt every new artifact. Artifacts written before encryption was enabled stay readable, and with a
         * keyset but encryption off, encrypted artifacts are still read.
         */
        @WithDefault("false")
        boolean enabled();

        /**
         * A Tink JSON keyset of AES256_GCM key-encryption keys (file mode 0600); its primary key wraps new data
         * keys, older keys stay to read older artifacts. Create or rotate one with deploy/local/keys.
         */
        Optional<java.nio.file.Path> keysetFile();

        /** The keyset itself, for LOCKSTEP_REPOSITORY_ENCRYPTION_KEYSET when no file is used; never in a committed file. */
        Optional<String> keyset();

        /**
         * Instead of a keyset: the ARN of an AWS KMS key that wraps the data keys (credentials from the AWS default
         * chain). Not tested against KMS yet.
         */
        Optional<String> kmsKeyArn();

        /** The KMS region when the ARN's is not the one to use. */
        Optional<String> kmsRegion();
    }
}
