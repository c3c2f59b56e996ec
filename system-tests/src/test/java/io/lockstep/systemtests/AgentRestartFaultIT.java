package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.FaultEnv;
import java.time.Duration;
import java.time.Instant;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: an agent restart fails its RUNNING steps at once. The postgres-agent is killed (SIGKILL, pg_dump with it)
 * mid-dump with a multipart upload open and started again at once. The coordinator judges liveness over 90 s here,
 * far longer than the scenario takes, so only the restarted agent's heartbeat (a newer process that does not list the
 * step) can end the run: FAILED with the named reason, long before the liveness window or the step deadline. The new
 * agent sweeps the dead one's upload, and a retry is CONSISTENT.
 */
class AgentRestartFaultIT {

    static final Duration LONG_LIVENESS = Duration.ofSeconds(90);

    static FaultEnv env;

    @BeforeAll
    static void setUp() throws Exception {
        env = FaultEnv.startWithLiveness(Duration.ofSeconds(120), LONG_LIVENESS);
    }

    @AfterAll
    static void tearDown() {
        if (env != null) {
            env.close();
        }
    }

    @Test
    void aKilledAndRestartedAgentFailsItsRunningStepAtOnceWithANamedReason() throws Exception {
        int before = env.pauses();
        String runId = env.backup();
        env.awaitPause(before);
        assertTrue(env.openUploads() > 0, "the fault hits a real multipart upload");

        env.agent.kill();
        Instant killed = Instant.now();
        env.agent = env.agent.restart(FaultEnv.noPause());
        Instant ready = Instant.now();

        JsonNode run = env.awaitEnd(runId, Duration.ofMinutes(2));
        Instant ended = Instant.now();
        FaultEnv.record(
                "agent-restart (liveness " + LONG_LIVENESS.toSeconds() + "s, restarted "
                        + Duration.between(killed, ready).toMillis() + " ms after the kill)",
                run.path("state").asText() + " " + run.path("error").asText(""),
                Duration.between(killed, ended));
        assertEquals("FAILED", run.path("state").asText(), run::toPrettyString);
        String error = run.path("error").asText();
        assertTrue(
                error.matches(".*was lost: agent " + env.agentId + " restarted at \\S+; step was not running on it.*"),
                error);
        assertTrue(
                Duration.between(killed, ended).compareTo(LONG_LIVENESS) < 0,
                "ended by the restarted agent's heartbeat, not by the liveness window");
        JsonNode failedStep = failedBackupStep(run);
        assertTrue(failedStep.path("error").asText().contains("step was not running on it"), run::toPrettyString);

        Awaitility.await("the restarted agent aborted the dead one's upload")
                .atMost(Duration.ofSeconds(30))
                .until(() -> env.openUploads() == 0);
        assertEquals(0, env.tmpObjects());
        env.api.awaitStoreLive(env.store);
        JsonNode retry = env.awaitEnd(env.backup(), Duration.ofMinutes(2));
        assertEquals("CONSISTENT", retry.path("state").asText(), retry::toPrettyString);
        assertEquals(0, env.openUploads());
    }

    private static JsonNode failedBackupStep(JsonNode run) {
        for (JsonNode step : run.path("steps")) {
            if ("BACKUP".equals(step.path("action").asText())
                    && "FAILED".equals(step.path("state").asText())) {
                return step;
            }
        }
        throw new AssertionError("no failed BACKUP step in " + run.toPrettyString());
    }
}
