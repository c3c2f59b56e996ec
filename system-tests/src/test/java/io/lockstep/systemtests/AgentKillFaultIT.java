package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.FaultEnv;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 11: the postgres-agent is killed (SIGKILL, pg_dump with it) mid-dump, with a multipart upload open. The run
 * fails with a named reason within the liveness window (agent still dead) or at the agent's first heartbeat (agent
 * restarted), never waits for the step deadline; the restarted agent sweeps its stale upload, and a retry succeeds.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentKillFaultIT {

    static FaultEnv env;

    @BeforeAll
    static void setUp() throws Exception {
        env = FaultEnv.start(Duration.ofSeconds(120));
    }

    @AfterAll
    static void tearDown() {
        if (env != null) {
            env.close();
        }
    }

    @Test
    @Order(1)
    void anAgentKilledAndGoneFailsItsRunWithinTheLivenessWindow() throws Exception {
        int before = env.pauses();
        String runId = env.backup();
        env.awaitPause(before);
        assertTrue(env.openUploads() > 0, "the fault hits a real multipart upload");
        env.agent.kill();
        Instant killed = Instant.now();

        JsonNode run = env.awaitEnd(runId, Duration.ofMinutes(2));
        Duration toTerminal = Duration.between(killed, Instant.now());
        FaultEnv.record(
                "agent-kill (stays down)",
                run.path("state").asText() + " " + run.path("error").asText(""),
                toTerminal);
        assertEquals("FAILED", run.path("state").asText(), run::toPrettyString);
        assertTrue(
                run.path("error").asText().contains("lost its agent"),
                run.path("error").asText());
        assertTrue(toTerminal.compareTo(FaultEnv.STEP_TIMEOUT) < 0, "ended by liveness, not by the step deadline");

        env.agent = env.agent.restart(FaultEnv.noPause());
        assertSweptAndRetrySucceeds();
    }

    @Test
    @Order(2)
    void anAgentKilledAndRestartedFailsItsRunningStepAtOnce() throws Exception {
        Map<String, String> pause = new HashMap<>();
        pause.put("lockstep.test.pause-at", "mid-upload");
        env.agent = env.agent.restart(pause);
        env.api.awaitStoreLive(env.store);
        int before = env.pauses();
        String runId = env.backup();
        env.awaitPause(before);
        assertTrue(env.openUploads() > 0, "the fault hits a real multipart upload");
        env.agent.kill();
        env.agent = env.agent.restart(FaultEnv.noPause());
        Instant restarted = Instant.now();

        JsonNode run = env.awaitEnd(runId, Duration.ofMinutes(2));
        Duration toTerminal = Duration.between(restarted, Instant.now());
        FaultEnv.record(
                "agent-kill (restarted)",
                run.path("state").asText() + " " + run.path("error").asText(""),
                toTerminal);
        assertEquals("FAILED", run.path("state").asText(), run::toPrettyString);
        assertTrue(
                run.path("error").asText().contains("restarted"),
                run.path("error").asText());
        assertTrue(
                toTerminal.compareTo(FaultEnv.LIVENESS) < 0,
                "failed at the restarted agent's first heartbeat, " + "before the liveness window: " + toTerminal);
        assertSweptAndRetrySucceeds();
    }

    private static void assertSweptAndRetrySucceeds() {
        Awaitility.await("the restarted agent aborted its stale upload")
                .atMost(Duration.ofSeconds(30))
                .until(() -> env.openUploads() == 0);
        assertEquals(0, env.tmpObjects());
        env.api.awaitStoreLive(env.store);
        JsonNode retry = env.awaitEnd(env.backup(), Duration.ofMinutes(2));
        assertEquals("CONSISTENT", retry.path("state").asText(), retry::toPrettyString);
        assertEquals(0, env.openUploads());
    }
}
