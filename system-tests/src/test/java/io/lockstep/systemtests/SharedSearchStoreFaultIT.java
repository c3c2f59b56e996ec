package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.Elastic;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.ParsecApp;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two runs of two plans share one search store. Run X holds the store quiesced while its SQL snapshot is held
 * up (the postgres-agent is frozen with SIGSTOP); run Y backs up the same store and releases it. Y's release
 * must not lift the write block inside X's window: a write attempted then is refused, and X ends CONSISTENT
 * only because its window really was unbroken.
 */
class SharedSearchStoreFaultIT {

    static Lockstep lockstep;
    static String planX;
    static String planY;

    @BeforeAll
    static void setUp() throws Exception {
        lockstep = Lockstep.get();
        ParsecApp app = new ParsecApp(lockstep);
        app.createSchema();
        app.write(50);
        app.close();
        for (String store : List.of(lockstep.parsecStore, lockstep.docsStore)) {
            lockstep.api.awaitStoreLive(store);
        }
        planX = "it" + lockstep.id + "-shared-x";
        planY = "it" + lockstep.id + "-shared-y";
        lockstep.api.putPlan(planX, "{\"stores\": [\"" + lockstep.parsecStore + "\", \"" + lockstep.docsStore + "\"]}");
        lockstep.api.putPlan(planY, "{\"stores\": [\"" + lockstep.docsStore + "\"]}");
    }

    @AfterAll
    static void tearDown() throws Exception {
        signal("CONT", lockstep.postgresAgent.pid());
        AppDatabase.drop(lockstep.parsecDb);
    }

    @Test
    void aRunReleasingASharedSearchStoreNeverLiftsTheWriteBlockInsideAnotherRunsWindow() throws Exception {
        String runX;
        String runY;
        JsonNode y;
        int writeInsideXsWindow;
        signal("STOP", lockstep.postgresAgent.pid());
        try {
            runX = lockstep.api.startBackup(planX);
            String x = runX;
            Awaitility.await("run X quiesced the search store")
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> quiesced(lockstep.api.get("/api/v1/runs/" + x).body())
                            && Elastic.writeBlocked(lockstep.docsIndex));

            runY = lockstep.api.startBackup(planY);
            y = lockstep.api.awaitEnd(runY);
            // Run X still waits for its SQL snapshot point: the store must still be blocked for it.
            writeInsideXsWindow = Elastic.index(lockstep.docsIndex, "written-inside-x", "{\"title\": \"late\"}");
            assertEquals(
                    "RUNNING",
                    lockstep.api
                            .get("/api/v1/runs/" + runX)
                            .body()
                            .path("state")
                            .asText(),
                    "run X is still inside its window when the write is attempted");
        } finally {
            signal("CONT", lockstep.postgresAgent.pid());
        }
        JsonNode x = lockstep.api.awaitEnd(runX);

        assertEquals("CONSISTENT", y.path("state").asText(), () -> y.toPrettyString());
        assertTrue(
                writeInsideXsWindow >= 400,
                "a write inside run X's window is refused, got HTTP " + writeInsideXsWindow);
        assertEquals("CONSISTENT", x.path("state").asText(), () -> x.toPrettyString());
        JsonNode quiesceY = y.path("evidence").path("quiesce").get(0);
        assertEquals("true", quiesceY.path("leaseUnbroken").asText(), () -> y.toPrettyString());
        JsonNode quiesceX = x.path("evidence").path("quiesce").get(0);
        assertEquals("true", quiesceX.path("leaseUnbroken").asText(), () -> x.toPrettyString());
        assertFalse(Elastic.writeBlocked(lockstep.docsIndex), "the last release lifts the write block");
        assertNotEquals(
                403,
                Elastic.index(lockstep.docsIndex, "written-after", "{\"title\": \"after\"}"),
                "writes are accepted again once no run holds the store");
    }

    /** Whether the run's QUIESCE step has succeeded (its store is held for it). */
    private static boolean quiesced(JsonNode run) {
        for (JsonNode step : run.path("steps")) {
            if (step.path("action").asText().equals("QUIESCE")
                    && step.path("state").asText().equals("SUCCEEDED")) {
                return true;
            }
        }
        return false;
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .inheritIO()
                .start();
        assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid);
    }
}
