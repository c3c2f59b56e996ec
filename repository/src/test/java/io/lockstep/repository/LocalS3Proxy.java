package io.lockstep.repository;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3-compatible server the tests run against: S3Proxy on 127.0.0.1:9000 with the local-only identity
 * deploy/local/up starts it with. Shared with other modules' tests through this module's test jar.
 */
public final class LocalS3Proxy {

    private LocalS3Proxy() {}

    /** A client of the local S3Proxy with {@code connections} connections and a {@code timeout} per call. */
    public static S3Client client(int connections, Duration timeout) {
        return S3Clients.create(
                Optional.of(URI.create("http://127.0.0.1:9000")),
                "us-east-1",
                true,
                Optional.of("lockstep"),
                Optional.of("lockstep-local-secret"),
                connections,
                timeout);
    }
}
