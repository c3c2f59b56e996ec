package io.lockstep.agent.core.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.util.Optional;

/**
 * Where artifacts go: an S3 bucket (AWS, MinIO, S3Proxy, ...). Credentials come from the environment or a
 * secrets file; without them the AWS default provider chain is used.
 */
@ConfigMapping(prefix = "lockstep.repository")
public interface RepositoryConfig {

    /** Endpoint override for S3-compatible servers; empty for AWS S3 itself. */
    Optional<URI> endpoint();

    @WithDefault("us-east-1")
    String region();

    String bucket();

    /** Key prefix inside the bucket, without a trailing slash; empty for the bucket root. */
    Optional<String> prefix();

    /** Access key id; set it through LOCKSTEP_REPOSITORY_ACCESS_KEY_ID, never in a committed file. */
    Optional<String> accessKeyId();

    /** Secret key; set it through LOCKSTEP_REPOSITORY_SECRET_ACCESS_KEY, never in a committed file. */
    Optional<String> secretAccessKey();

    /** Path-style addressing, needed by most S3-compatible servers. */
    @WithDefault("true")
    boolean pathStyle();

    /** Multipart part size in bytes. Memory per upload is about part size x (concurrency + 1). */
    @WithDefault("8388608")
    int partSize();

    /** Parts of one upload in flight at once. */
    @WithDefault("3")
    int uploadConcurrency();

    /** Create the bucket on start if it is missing (handy locally; off where buckets are provisioned). */
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
