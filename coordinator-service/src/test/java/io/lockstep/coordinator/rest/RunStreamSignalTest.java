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
 * {@link RunStreamTest} with the stream's catalog reads an hour apart: the progress, the cancellation and the end of the
 * run can then only reach the stream through the signal this coordinator raises when it applied an agent event or a
 * cancel ({@code RunChanges}). Without it the stream would show none of them within the tests' waits.
 */
@QuarkusTest
@QuarkusTestResource(InMemoryMessaging.class)
@TestProfile(RunStreamSignalTest.ReadsAnHourApart.class)
@ExtendWith(TestTokens.AsAdmin.class)
class RunStreamSignalTest extends RunStreamTest {

    public static class ReadsAnHourApart implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("lockstep.coordinator.run-stream-every", "1h");
        }
    }
}
