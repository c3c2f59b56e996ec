package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.FaultEnv;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 11, "restores never make things worse": the postgres-agent is killed (SIGKILL) inside the swap of an in-place
 * restore, once after the live database was made to refuse connections and once after it was renamed aside (inside
 * the rename transaction). Either way the live database must be there under its name, take connections and hold its
 * own rows (written after the backup, so a restored database would lack them); the restore fails at once with a named
 * reason when the agent comes back, nothing of the swap is left over, and a retried restore succeeds.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestoreSwapFaultIT {

    static FaultEnv env;
    static String backupId;
    static final long BACKUP_ROWS = 250_000;
    /** The RESTORE steps of the killed runs: a restarted agent must never run them again (a redelivered command). */
    static final List<String> killedSteps = new ArrayList<>();

    @BeforeAll
    static void backUp() throws Exception {
        env = FaultEnv.start(Duration.ZERO);
        JsonNode backup = env.awaitEnd(env.backup(), Duration.ofMinutes(3));
        assertEquals("CONSISTENT", backup.path("state").asText(), backup::toPrettyString);
        backupId = backup.path("id").asText();
        try (Connection db = AppDatabase.connect(env.database);
                Statement st = db.createStatement()) {
            st.execute("INSERT INTO readings VALUES (0, 'written after the backup')");
        }
    }

    @AfterAll
    static void tearDown() {
        if (env != null) {
            env.close();
        }
    }

    @Test
    @Order(1)
    void killedAfterTheLiveDatabaseRefusedConnections() throws Exception {
        killInsideTheSwapAt("restore-connections-refused");
    }

    @Test
    @Order(2)
    void killedAfterTheLiveDatabaseWasRenamedAside() throws Exception {
        killInsideTheSwapAt("restore-renamed-aside");
    }

    @Test
    @Order(3)
    void aRetriedRestoreSucceeds() throws Exception {
        env.api.awaitStoreLive(env.store);
        JsonNode retry = env.awaitEnd(restore(), Duration.ofMinutes(3));
        assertEquals("SUCCEEDED", retry.path("state").asText(), retry::toPrettyString);
        assertEquals(BACKUP_ROWS, rows(), "the restored rows are the backup's");
        assertFalse(hasAfterBackupRow(), "the row written after the backup is gone with the old database");
        assertTrue(allowsConnections(env.database));
        assertEquals(List.of(), leftovers());
        // The retry's restore came after the killed steps' commands and their cancels on the command topic: a
        // killed step that the restarted agent ran again (and swapped in after its run had failed) shows by now.
        assertEquals(2, killedSteps.size());
        for (String step : killedSteps) {
            assertEquals(0, env.agent.occurrences("step " + step + " succeeded"), "step " + step + " ran again");
        }
    }

    private static void killInsideTheSwapAt(String point) throws Exception {
        String pauseLog = "TEST PAUSE at " + point + " for";
        env.agent = env.agent.restart(Map.of("lockstep.test.pause-at", point, "lockstep.test.pause-for", "180s"));
        env.api.awaitStoreLive(env.store);
        int before = env.agent.occurrences(pauseLog);
        String runId = restore();
        Awaitility.await("the agent paused at " + point)
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> env.agent.occurrences(pauseLog) > before);
        assertFalse(allowsConnections(env.database), "the fault hits a swap in progress: connections are refused");

        env.agent.kill();
        env.agent = env.agent.restart(FaultEnv.noPause());
        Instant restarted = Instant.now();
        JsonNode run = env.awaitEnd(runId, Duration.ofMinutes(2));
        Duration toTerminal = Duration.between(restarted, Instant.now());
        FaultEnv.record(
                "restore swap, agent killed at " + point,
                run.path("state").asText() + " " + run.path("error").asText(""),
                toTerminal);
        assertEquals("FAILED", run.path("state").asText(), run::toPrettyString);
        assertTrue(
                run.path("error").asText().contains("restarted"),
                run.path("error").asText());
        JsonNode step = restoreStep(run);
        assertEquals("FAILED", step.path("state").asText(), step::toPrettyString);
        assertTrue(step.path("error").asText().contains("restarted"), step::toPrettyString);
        killedSteps.add(step.path("id").asText());

        Awaitility.await("the restarted agent repaired the swap")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> allowsConnections(env.database) && leftovers().isEmpty());
        assertEquals(BACKUP_ROWS + 1, rows(), "the live database keeps its own rows");
        assertTrue(hasAfterBackupRow(), "the live database is the original one, not a restored copy");
        assertEquals(List.of(), leftovers());
    }

    private static JsonNode restoreStep(JsonNode run) {
        for (JsonNode s : run.path("steps")) {
            if (s.path("action").asText().equals("RESTORE")) {
                return s;
            }
        }
        throw new AssertionError("no RESTORE step in " + run.toPrettyString());
    }

    private static String restore() {
        Api.Reply reply = env.api.post("/api/v1/runs/" + backupId + "/restore", "{}");
        assertEquals(202, reply.status(), reply.raw());
        return reply.body().path("id").asText();
    }

    private static long rows() throws SQLException {
        try (Connection db = AppDatabase.connect(env.database);
                Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM readings")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static boolean hasAfterBackupRow() throws SQLException {
        try (Connection db = AppDatabase.connect(env.database);
                Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT 1 FROM readings WHERE id = 0")) {
            return rs.next();
        }
    }

    /** Whether the database exists and takes connections (pg_database, read from another database). */
    private static boolean allowsConnections(String database) throws SQLException {
        try (Connection c = AppDatabase.connect("postgres");
                PreparedStatement st = c.prepareStatement("SELECT datallowconn FROM pg_database WHERE datname = ?")) {
            st.setString(1, database);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Scratch and renamed-aside databases of this scenario's database. */
    private static List<String> leftovers() throws SQLException {
        return AppDatabase.restoreLeftovers(env.database);
    }
}
