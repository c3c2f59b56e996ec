package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.FaultEnv;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: the coordinator is killed (SIGKILL) mid-dump and restarted 10 s later. The agent is healthy and finishes
 * its dump meanwhile; its events wait in Kafka. The restarted coordinator must read them before it judges the agent's
 * liveness, so the run ends CONSISTENT instead of FAILED "lost its agent".
 */
class CoordinatorRestartFaultIT {

    static FaultEnv env;

    @BeforeAll
    static void setUp() throws Exception {
        env = FaultEnv.start(Duration.ofSeconds(15));
    }

    @AfterAll
    static void tearDown() {
        if (env != null) {
            env.close();
        }
    }

    @Test
    void aCoordinatorKilledMidDumpAndRestartedCompletesTheRunConsistent() throws Exception {
        int before = env.pauses();
        String runId = env.backup();
        env.awaitPause(before);
        env.coordinator.kill();
        Instant killed = Instant.now();
        Thread.sleep(10_000); // the fault: the coordinator stays dead for 10 s while the agent works on
        env.coordinator = env.coordinator.restart(Map.of());
        Instant restarted = Instant.now();

        JsonNode run = env.awaitEnd(runId, Duration.ofMinutes(2));
        Duration toTerminal = Duration.between(restarted, Instant.now());
        FaultEnv.record(
                "coordinator-restart",
                run.path("state").asText() + " " + run.path("error").asText(""),
                toTerminal);
        assertEquals(
                "CONSISTENT", run.path("state").asText(), () -> "killed at " + killed + ": " + run.toPrettyString());

        Awaitility.await("no open upload").atMost(Duration.ofSeconds(30)).until(() -> env.openUploads() == 0);
        assertEquals(0, env.tmpObjects());
        JsonNode retry = env.awaitEnd(env.backup(), Duration.ofMinutes(2));
        assertEquals("CONSISTENT", retry.path("state").asText(), retry::toPrettyString);
    }
}
