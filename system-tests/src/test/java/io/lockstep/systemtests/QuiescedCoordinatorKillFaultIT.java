package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.Elastic;
import io.lockstep.systemtests.support.FaultEnv;
import io.lockstep.systemtests.support.Faults;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: the coordinator is killed (SIGKILL) while a search store is quiesced for a run. The postgres-agent is
 * frozen (SIGSTOP) first, so the run waits for its SQL snapshot point with the search store's write block on; then
 * the coordinator dies and nobody renews the quiesce lease. The search-agent must lift the write block by itself
 * within the lease, the run must end FAILED (its window had a gap) once a coordinator is back, and a retry succeeds.
 */
class QuiescedCoordinatorKillFaultIT {

    static final Duration LEASE = Duration.ofSeconds(10);
    static FaultEnv env;

    @BeforeAll
    static void setUp() throws Exception {
        env = FaultEnv.startWithSearch(LEASE);
    }

    @AfterAll
    static void tearDown() {
        if (env != null) {
            Faults.resume(env.agent.pid());
            env.close();
        }
    }

    @Test
    void aCoordinatorKilledWhileASearchStoreIsQuiescedLeavesNoWriteBlockAndFailsTheRun() throws Exception {
        String runId;
        Instant killed;
        Duration blockLiftedAfter;
        Faults.freeze(env.agent.pid());
        try {
            runId = env.backup();
            Awaitility.await("the run quiesced the search store")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> Elastic.writeBlocked(env.searchIndex));
            env.coordinator.kill();
            killed = Instant.now();
            Awaitility.await("the search-agent lifted the write block by itself")
                    .atMost(LEASE.plusSeconds(10))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> !Elastic.writeBlocked(env.searchIndex));
            blockLiftedAfter = Duration.between(killed, Instant.now());
        } finally {
            Faults.resume(env.agent.pid());
        }
        assertTrue(blockLiftedAfter.compareTo(LEASE.plusSeconds(3)) <= 0, "lifted after " + blockLiftedAfter);
        assertEquals(201, Elastic.index(env.searchIndex, "after-kill", "{\"title\": \"writable\"}"));
        FaultEnv.record("quiesced-coordinator-kill write-block-lifted", "unblocked", blockLiftedAfter);

        env.coordinator = env.coordinator.restart(Map.of());
        Instant restarted = Instant.now();
        JsonNode run = env.awaitEnd(runId, Duration.ofMinutes(2));
        Duration toTerminal = Duration.between(restarted, Instant.now());
        FaultEnv.record(
                "quiesced-coordinator-kill",
                run.path("state").asText() + " " + run.path("error").asText(""),
                toTerminal);
        assertEquals("FAILED", run.path("state").asText(), run::toPrettyString);

        assertFalse(Elastic.writeBlocked(env.searchIndex));
        JsonNode retry = env.awaitEnd(env.backup(), Duration.ofMinutes(2));
        assertEquals("CONSISTENT", retry.path("state").asText(), retry::toPrettyString);
        assertFalse(Elastic.writeBlocked(env.searchIndex), "the retry released the store");
    }
}
