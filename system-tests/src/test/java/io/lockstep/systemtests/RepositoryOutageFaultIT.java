package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.FaultEnv;
import io.lockstep.systemtests.support.TcpCut;
import java.time.Duration;
import java.time.Instant;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backup repository becomes unreachable for 25 s in the middle of a dump's multipart upload (the agent's path to
 * the S3-compatible server is cut: connections refused, open ones reset), shorter than the agent's outage tolerance
 * (60 s by default). The upload waits for the repository instead of failing: the run ends CONSISTENT, its dump
 * finished only after the path was back, and no multipart upload or temporary object is left.
 */
class RepositoryOutageFaultIT {

    static TcpCut path;
    static FaultEnv env;

    @BeforeAll
    static void setUp() throws Exception {
        path = new TcpCut(9000);
        env = FaultEnv.startBehind(Duration.ofSeconds(10), path);
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (env != null) {
                env.close();
            }
        } finally {
            path.close();
        }
    }

    @Test
    void aRepositoryOutageShorterThanTheToleranceDoesNotFailTheRun() throws Exception {
        int before = env.pauses();
        String runId = env.backup();
        env.awaitPause(before); // a part is uploaded, the upload is open, the agent holds for 10 s
        Instant restored;
        try {
            path.cut();
            Thread.sleep(25_000); // the fault: 25 s without the repository; the agent resumes 15 s before its end
        } finally {
            path.restore();
            restored = Instant.now();
        }

        JsonNode run = env.awaitEnd(runId, Duration.ofMinutes(3));
        FaultEnv.record(
                "repository-outage",
                run.path("state").asText() + " " + run.path("error").asText(""),
                Duration.between(restored, Instant.now()));
        assertEquals("CONSISTENT", run.path("state").asText(), run::toPrettyString);
        JsonNode dump = null;
        for (JsonNode step : run.path("steps")) {
            if (step.path("action").asText().equals("BACKUP")) {
                dump = step;
            }
        }
        assertTrue(dump != null, run::toPrettyString);
        Instant dumpEnded = Instant.parse(dump.path("endedAt").asText());
        assertTrue(
                dumpEnded.isAfter(restored),
                "the dump waited for the repository: ended " + dumpEnded + ", path back " + restored);

        Awaitility.await("no open upload").atMost(Duration.ofSeconds(30)).until(() -> env.openUploads() == 0);
        assertEquals(0, env.tmpObjects());
    }
}
