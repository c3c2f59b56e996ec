package io.lockstep.repository;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/** Builds S3 clients the same way for the repository and for the stores agents back up. */
public final class S3Clients {

    private S3Clients() {}

    /** A client for the bucket the settings describe; see {@link #create(Optional, String, boolean, Optional, Optional, int)}. */
    public static S3Client create(S3Settings settings, int maxConnections) {
        return create(
                settings.endpoint(),
                settings.region(),
                settings.pathStyle(),
                settings.accessKeyId(),
                settings.secretAccessKey(),
                maxConnections);
    }

    /**
     * A synchronous client. Lockstep computes SHA-256 itself over every byte it stores, so the SDK's own
     * request checksums are only sent where S3 requires them; S3-compatible servers differ in what they accept.
     */
    public static S3Client create(
            Optional<URI> endpoint,
            String region,
            boolean pathStyle,
            Optional<String> accessKeyId,
            Optional<String> secretAccessKey,
            int maxConnections) {
        var builder = S3Client.builder()
                .region(Region.of(region))
                .credentialsProvider(credentials(accessKeyId, secretAccessKey))
                .forcePathStyle(pathStyle)
                // Parts are in memory with a known length: sign each in one pass rather than as aws-chunked
                // streams, which cost an HMAC per 128 KiB chunk on both ends.
                .serviceConfiguration(
                        S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                // Throttling and 5xx are retried with backoff and jitter, a few more times than the default.
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                        .maxAttempts(6)
                        .build()))
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(ApacheHttpClient.builder()
                        .maxConnections(maxConnections)
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofMinutes(2)));
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }

    private static AwsCredentialsProvider credentials(Optional<String> accessKeyId, Optional<String> secretAccessKey) {
        if (accessKeyId.isPresent() && secretAccessKey.isPresent()) {
            return StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(accessKeyId.get(), secretAccessKey.get()));
        }
        return DefaultCredentialsProvider.builder().build();
    }
}
