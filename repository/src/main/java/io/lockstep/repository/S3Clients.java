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
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/** Builds S3 clients the same way for the repository and for the stores agents back up. */
public final class S3Clients {

    private S3Clients() {}

    /** A client for the bucket the settings describe; see {@link #create(Optional, String, boolean, Optional, Optional, int, Duration)}. */
    public static S3Client create(S3Settings settings, int maxConnections) {
        return create(
                settings.endpoint(),
                settings.region(),
                settings.pathStyle(),
                settings.accessKeyId(),
                settings.secretAccessKey(),
                maxConnections,
                settings.outageTolerance());
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
            int maxConnections,
            Duration outageTolerance) {
        var builder = S3Client.builder()
                .region(Region.of(region))
                .credentialsProvider(credentials(accessKeyId, secretAccessKey))
                .forcePathStyle(pathStyle)
                // Parts are in memory with a known length: sign each in one pass rather than as aws-chunked
                // streams, which cost an HMAC per 128 KiB chunk on both ends.
                .serviceConfiguration(
                        S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                // Connection failures, timeouts, throttling and 5xx are retried with exponential backoff (half
                // jitter) for at least the outage tolerance. No circuit breaker: during an outage every call fails,
                // and a retry quota drained by them would fail the next calls at once, outage over or not.
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                        .backoffStrategy(BackoffStrategy.exponentialDelayHalfJitter(BASE_DELAY, MAX_DELAY))
                        .maxAttempts(attemptsFor(outageTolerance))
                        .circuitBreakerEnabled(false)
                        .build()))
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(ApacheHttpClient.builder()
                        .maxConnections(maxConnections)
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofMinutes(2)));
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** The first retry's delay; each next one doubles, up to {@link #MAX_DELAY}. */
    static final Duration BASE_DELAY = Duration.ofMillis(250);

    static final Duration MAX_DELAY = Duration.ofSeconds(8);

    /**
     * How many attempts make the backoff last at least {@code tolerance}, counting each retry's shortest delay (half
     * jitter waits between half and all of it); at least 3.
     */
    static int attemptsFor(Duration tolerance) {
        long waited = 0;
        int retries = 0;
        while (waited < tolerance.toMillis() || retries < 2) {
            long delay = Math.min(MAX_DELAY.toMillis(), BASE_DELAY.toMillis() << Math.min(retries, 20));
            waited += delay / 2;
            retries++;
        }
        return retries + 1;
    }

    private static AwsCredentialsProvider credentials(Optional<String> accessKeyId, Optional<String> secretAccessKey) {
        if (accessKeyId.isPresent() && secretAccessKey.isPresent()) {
            return StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(accessKeyId.get(), secretAccessKey.get()));
        }
        return DefaultCredentialsProvider.builder().build();
    }
}
