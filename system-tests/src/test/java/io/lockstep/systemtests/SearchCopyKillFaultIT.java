package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.Elastic;
import io.lockstep.systemtests.support.FaultEnv;
import java.time.Duration;
import java.time.Instant;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A search store is released as soon as its snapshot completed, while the agent still copies the snapshot's files
 * into the repository (docs/rules.md, rule 3). The search-agent is held in that copy and killed (SIGKILL): the store
 * stays writable (it was released, and nothing quiesces it again), and the run fails with a named reason instead of
 * becoming CONSISTENT with a snapshot copy that never finished.
 */
class SearchCopyKillFaultIT {

    static FaultEnv env;

    @BeforeAll
    static void setUp() throws Exception {
        env = FaultEnv.startWithSearchPausedMidCopy(Duration.ofSeconds(20), Duration.ofSeconds(120));
    }

    @AfterAll
    static void tearDown() {
        if (env != null) {
            env.close();
        }
    }

    @Test
    void aSearchAgentKilledWhileCopyingAReleasedSnapshotFailsTheRunAndLeavesTheStoreWritable() {
        String runId = env.backup();
        JsonNode[] run = new JsonNode[1];
        Awaitility.await("the search store released while its snapshot copy is held")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    run[0] = env.api.get("/api/v1/runs/" + runId).body();
                    return env.searchAgent.occurrences(FaultEnv.PAUSE_LOG) > 0
                            && state(run[0], "RESUME").equals("SUCCEEDED");
                });
        assertEquals("RUNNING", state(run[0], "BACKUP", env.searchStore), run[0]::toPrettyString);
        assertTrue(
                step(run[0], "BACKUP", env.searchStore).path("evidence").has("snapshotEndedAt"),
                "the release followed the agent's report that the snapshot completed");
        assertFalse(Elastic.writeBlocked(env.searchIndex), "released: the write block is lifted");

        env.searchAgent.kill();
        Instant killed = Instant.now();
        JsonNode ended = env.awaitEnd(runId, Duration.ofMinutes(2));
        FaultEnv.record(
                "search-agent killed mid-copy after the release",
                ended.path("state").asText() + " " + ended.path("error").asText(""),
                Duration.between(killed, Instant.now()));
        assertEquals("FAILED", ended.path("state").asText(), ended::toPrettyString);
        assertTrue(
                ended.path("error").asText().contains(env.searchStore),
                ended.path("error").asText());
        assertTrue(
                ended.path("steps").findValues("action").stream()
                        .noneMatch(a -> a.asText().equals("VERIFY")),
                "nothing was verified: the snapshot copy never succeeded");
        assertEquals(201, Elastic.index(env.searchIndex, "after-kill", "{\"title\": \"written after the kill\"}"));
        assertFalse(Elastic.writeBlocked(env.searchIndex), "nothing blocks the store again");
    }

    private static JsonNode step(JsonNode run, String action, String store) {
        for (JsonNode s : run.path("steps")) {
            if (s.path("action").asText().equals(action)
                    && s.path("store").asText().equals(store)) {
                return s;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static String state(JsonNode run, String action, String store) {
        return step(run, action, store).path("state").asText("");
    }

    private static String state(JsonNode run, String action) {
        return state(run, action, env.searchStore);
    }
}
