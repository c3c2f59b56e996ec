package io.lockstep.repository;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where artifacts go: an S3 bucket. The one configuration of the backup repository, read by every agent and by the
 * coordinator (which writes run manifests, deletes expired runs and collects blobs there); use the same bucket and
 * prefix everywhere. Credentials come from the environment or the AWS default provider chain.
 */
@ConfigMapping(prefix = "lockstep.repository")
public interface RepositoryConfig extends S3Settings {

    /** The bucket. Agents refuse to start without one; the coordinator then writes no run manifest. */
    Optional<String> bucket();

    /** Key prefix inside the bucket, without a trailing slash; empty for the bucket root. */
    Optional<String> prefix();

    /** Multipart part size in bytes (agents). Memory per upload is about part size x (concurrency + 1). */
    @WithDefault("8388608")
    int partSize();

    /** Parts of one upload in flight at once (agents). */
    @WithDefault("3")
    int uploadConcurrency();

    /** Create the bucket on start if it is missing (agents; handy locally, off where buckets are provisioned). */
    @WithDefault("false")
    boolean createBucket();

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
        Optional<Path> keysetFile();

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
