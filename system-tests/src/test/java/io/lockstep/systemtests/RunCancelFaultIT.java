package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.FaultEnv;
import java.time.Duration;
import java.time.Instant;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An operator cancels a backup whose dump is held mid-upload for 3 minutes (a multipart upload open, pg_dump
 * running). The run ends CANCELLED at once; the real postgres-agent kills its pg_dump and aborts its upload long
 * before the hold would have ended, so nothing is left open; the next backup of the same store is CONSISTENT.
 */
class RunCancelFaultIT {

    static FaultEnv env;

    @BeforeAll
    static void setUp() throws Exception {
        env = FaultEnv.start(Duration.ofMinutes(3));
    }

    @AfterAll
    static void tearDown() {
        if (env != null) {
            env.close();
        }
    }

    @Test
    void aCancelledBackupStopsItsAgentsWorkAndLeavesNothingOpen() throws Exception {
        int before = env.pauses();
        String runId = env.backup();
        env.awaitPause(before); // a part is stored, the upload is open, the dump holds
        Awaitility.await("the upload is open").atMost(Duration.ofSeconds(30)).until(() -> env.openUploads() > 0);

        Instant cancelled = Instant.now();
        Api.Reply reply = env.api.post("/api/v1/runs/" + runId + "/cancel", "{}");
        assertEquals(200, reply.status(), reply.raw());
        assertEquals("CANCELLED", reply.body().path("state").asText(), reply.raw());

        // Well inside the 3-minute hold: only the cancel reaching the agent can close the upload.
        Awaitility.await("the agent aborted its upload")
                .atMost(Duration.ofSeconds(60))
                .until(() -> env.openUploads() == 0);
        FaultEnv.record("run-cancel", "CANCELLED, upload aborted", Duration.between(cancelled, Instant.now()));
        assertEquals(0, env.tmpObjects());
        JsonNode run = env.api.get("/api/v1/runs/" + runId).body();
        assertEquals("CANCELLED", run.path("state").asText(), run::toPrettyString);
        for (JsonNode step : run.path("steps")) {
            assertEquals("CANCELLED", step.path("state").asText(), run::toPrettyString);
        }

        String next = env.backup();
        JsonNode after = env.awaitEnd(next, Duration.ofMinutes(2));
        assertEquals("CONSISTENT", after.path("state").asText(), after::toPrettyString);
    }
}
