package io.lockstep.coordinator.rest;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.coordinator.support.InMemoryMessaging;
import io.lockstep.coordinator.support.TestTokens;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StepEvents;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The run's event stream with its catalog reads an hour apart: the run's end reaches the stream at once, through the
 * signal this coordinator raises when the transaction that ended the run committed ({@code RunChanges}), so
 * {@code --wait} returns when the run ends; the step's progress in between waits for a read.
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

    /** Not a test here: progress is seen at the stream's reads, an hour apart in this profile. */
    @Override
    void theStreamFollowsProgressAndEndsWithTheCancelledRun() {}

    @Test
    void theRunsEndReachesTheStreamAtOnce() throws Exception {
        String runId = startBackup();
        List<JsonNode> received = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> stream = follow(runId, received);
        await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
        StepCommand capture = awaitCapture();
        send(
                EventTypes.STEP_PROGRESS,
                capture,
                new StepEvents.Progress(capture.runId(), capture.stepId(), 4096, 7, Instant.now()));

        given().post("/api/v1/runs/" + runId + "/cancel").then().statusCode(200);

        assertEquals(
                200, stream.get(20, TimeUnit.SECONDS), "the stream ended with the run, an hour before its next read");
        assertEquals(2, received.size(), "the first read and the end, nothing in between: " + received);
        assertEquals("CANCELLED", received.get(1).path("state").asText());
    }
}
