package io.lockstep.coordinator.rest;

import io.lockstep.coordinator.support.InMemoryMessaging;
import io.lockstep.coordinator.support.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link RunStreamTest} with the stream's catalog reads 10 ms apart: a stream then waits out hundreds of intervals in
 * which nothing changed, and each must end in a read, not in an error (a wait that timed out once cancelled the signal
 * every watcher of the run shared, and the stream failed).
 */
@QuarkusTest
@QuarkusTestResource(InMemoryMessaging.class)
@TestProfile(RunStreamQuickReadsTest.ReadsTenMillisecondsApart.class)
@ExtendWith(TestTokens.AsAdmin.class)
class RunStreamQuickReadsTest extends RunStreamTest {

    public static class ReadsTenMillisecondsApart implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("lockstep.coordinator.run-stream-every", "10ms");
        }
    }
}
