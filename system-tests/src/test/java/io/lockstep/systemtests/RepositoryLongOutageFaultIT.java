package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.FaultEnv;
import io.lockstep.systemtests.support.TcpCut;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backup repository stays unreachable from the postgres-agent longer than its outage tolerance (set to 5 s here)
 * in the middle of a dump's multipart upload. The step must fail, naming the upload that failed (not hang, not end
 * CONSISTENT); the upload's abort fails too while the path is cut, so the upload is left open, and once the repository
 * is back the agent's sweeper aborts it; nothing is left under {@code tmp/}; the next backup is CONSISTENT.
 */
class RepositoryLongOutageFaultIT {

    static TcpCut path;
    static FaultEnv env;

    @BeforeAll
    static void setUp() throws Exception {
        path = new TcpCut(9000);
        env = FaultEnv.startBehind(
                Duration.ofSeconds(3),
                path,
                Map.of(
                        "lockstep.repository.outage-tolerance", "5s",
                        "lockstep.agent.sweep-every", "2s",
                        "lockstep.agent.sweep-stale-after", "5s"));
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
    void anOutageLongerThanTheToleranceFailsTheStepAndLeavesNothingOpenOnceTheRepositoryIsBack() throws Exception {
        int before = env.pauses();
        String runId = env.backup();
        env.awaitPause(before); // a part is uploaded, the upload is open, the agent holds for 3 s
        JsonNode run;
        Duration toFailure;
        try {
            path.cut(); // for longer than the tolerance: until the run has ended
            java.time.Instant cut = java.time.Instant.now();
            run = env.awaitEnd(runId, Duration.ofMinutes(3));
            toFailure = Duration.between(cut, java.time.Instant.now());
            assertTrue(env.openUploads() > 0, "the abort could not reach the repository either");
        } finally {
            path.restore();
        }

        FaultEnv.record(
                "repository-long-outage",
                run.path("state").asText() + " " + run.path("error").asText(""),
                toFailure);
        assertEquals("FAILED", run.path("state").asText(), run::toPrettyString);
        String error = run.path("error").asText();
        assertTrue(error.contains("upload of ") && error.contains(" failed"), error);

        Awaitility.await("the sweeper aborts the upload once the repository is back")
                .atMost(Duration.ofSeconds(60))
                .until(() -> env.openUploads() == 0);
        assertEquals(0, env.tmpObjects());

        JsonNode next = env.awaitEnd(env.backup(), Duration.ofMinutes(3));
        assertEquals("CONSISTENT", next.path("state").asText(), next::toPrettyString);
    }
}
