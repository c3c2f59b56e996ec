package io.lockstep.repository;

import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * How to reach an S3 bucket (AWS, MinIO, S3Proxy, ...): shared by the backup repository's configuration and the
 * object stores the objectstore-agent backs up, which extend it. Without keys, the AWS default provider chain is used.
 */
public interface S3Settings {

    /** Endpoint override for S3-compatible servers; empty for AWS S3 itself. */
    Optional<URI> endpoint();

    @WithDefault("us-east-1")
    String region();

    /** Access key id; set it through the environment (..._ACCESS_KEY_ID), never in a committed file. */
    Optional<String> accessKeyId();

    /** Secret key; set it through the environment (..._SECRET_ACCESS_KEY), never in a committed file. */
    Optional<String> secretAccessKey();

    /** Path-style addressing, needed by most S3-compatible servers. */
    @WithDefault("true")
    boolean pathStyle();

    /**
     * How long a call rides out a server that cannot be reached or fails (connection refused or reset, timeouts, 5xx,
     * throttling): it is retried with exponential backoff for at least this long before it fails. A backup outlives a
     * short outage of its repository instead of failing. The default is written in ISO-8601 ({@code PT1M}) so that
     * plain SmallRye Config (the repository tool) reads it too; the Quarkus services also accept {@code 60s}.
     */
    @WithDefault("PT1M")
    Duration outageTolerance();
}
