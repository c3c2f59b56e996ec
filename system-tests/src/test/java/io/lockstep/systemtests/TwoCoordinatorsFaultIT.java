package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.FaultEnv;
import io.lockstep.systemtests.support.ServiceProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two coordinator processes on one catalog and one consumer group, both relaying the outbox. One is killed (SIGKILL)
 * while the agent is mid-dump; the other finishes the run CONSISTENT. With both running again, backups started on
 * either finish CONSISTENT, and the agent executed every step of every run exactly once (a command relayed twice
 * would show as a second execution, or at least as a duplicate delivery the agent ignored).
 */
class TwoCoordinatorsFaultIT {

    static FaultEnv env;
    static ServiceProcess second;
    static Api secondApi;

    @BeforeAll
    static void setUp() throws Exception {
        env = FaultEnv.start(Duration.ofSeconds(8));
        second = env.secondCoordinator();
        secondApi = new Api("http://127.0.0.1:" + second.port(), env.token);
    }

    @AfterAll
    static void tearDown() {
        if (second != null) {
            second.stop();
        }
        if (env != null) {
            env.close();
        }
    }

    @Test
    void oneOfTwoCoordinatorsKilledMidRunTheOtherFinishesAndNoStepRunsTwice() throws Exception {
        int before = env.pauses();
        String runId = env.backup();
        env.awaitPause(before);
        env.coordinator.kill();
        Instant killed = Instant.now();

        JsonNode run = awaitEnd(secondApi, runId);
        FaultEnv.record(
                "two-coordinators (one killed mid-dump)",
                run.path("state").asText() + " " + run.path("error").asText(""),
                Duration.between(killed, Instant.now()));
        assertEquals("CONSISTENT", run.path("state").asText(), run::toPrettyString);

        env.coordinator = env.coordinator.restart(Map.of());
        List<String> runs = new ArrayList<>(List.of(runId));
        runs.add(env.backup());
        runs.add(secondApi.startBackup(env.plan));
        runs.add(env.backup());
        for (String id : runs.subList(1, runs.size())) {
            JsonNode r = awaitEnd(secondApi, id);
            assertEquals("CONSISTENT", r.path("state").asText(), r::toPrettyString);
        }
        int steps = 0;
        for (String id : runs) {
            for (JsonNode step : secondApi.get("/api/v1/runs/" + id).body().path("steps")) {
                String stepId = step.path("id").asText();
                assertEquals(
                        1,
                        env.agent.occurrences("step " + stepId + " of run " + id + ":"),
                        "step " + stepId + " (" + step.path("action").asText() + ") executed once");
                steps++;
            }
        }
        assertTrue(steps >= 2 * runs.size(), "every run had its capture and verification: " + steps);
        assertEquals(0, env.agent.occurrences("ignoring duplicate delivery"), "no command was relayed twice");
        assertEquals(0, env.openUploads());
    }

    static JsonNode awaitEnd(Api api, String runId) {
        JsonNode[] last = new JsonNode[1];
        org.awaitility.Awaitility.await("run " + runId + " ends")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(() -> {
                    last[0] = api.get("/api/v1/runs/" + runId).body();
                    return java.util.Set.of("CONSISTENT", "FAILED", "CANCELLED")
                            .contains(last[0].path("state").asText());
                });
        return last[0];
    }
}
