package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.FaultEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 13, parallel restores: the postgres-agent spools the dump to a file for {@code pg_restore --jobs}. A spool
 * directory without room must fail the restore with a readable reason before anything is replaced, leaving no spool
 * file and no scratch database; a parallel restore that succeeds leaves no spool file either; and a spool file a
 * killed agent left is deleted at its next start (another agent's is not).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestoreSpoolFaultIT {

    static FaultEnv env;
    static String backupId;
    static Path spoolDir;
    static final long BACKUP_ROWS = 250_000;

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
        spoolDir = Files.createDirectories(Path.of(System.getProperty("lockstep.test.work", "target/system-test-work"))
                .resolve(env.id + "-spool")
                .toAbsolutePath());
    }

    @AfterAll
    static void tearDown() {
        if (env != null) {
            env.close();
        }
    }

    @Test
    @Order(1)
    void aSpoolDirectoryWithoutRoomFailsTheRestoreAndLeavesNothing() throws Exception {
        // 2^40 MiB to be left free: no file system has that, so the check before the spool refuses it.
        restartAgent("1099511627776");
        JsonNode run = env.awaitEnd(restore(), Duration.ofMinutes(3));
        assertEquals("FAILED", run.path("state").asText(), run::toPrettyString);
        JsonNode step = restoreStep(run);
        String error = step.path("error").asText();
        assertTrue(error.contains("not enough free space in the restore spool directory " + spoolDir), error);
        assertTrue(error.contains("nothing was replaced"), error);
        assertEquals(BACKUP_ROWS + 1, rows(), "the live database keeps its own rows");
        assertEquals(List.of(), leftovers());
        assertEquals(List.of(), spoolFiles());
    }

    @Test
    @Order(2)
    void aParallelRestoreSucceedsAndDeletesItsSpool() throws Exception {
        restartAgent("256");
        JsonNode run = env.awaitEnd(restore(), Duration.ofMinutes(3));
        assertEquals("SUCCEEDED", run.path("state").asText(), run::toPrettyString);
        String strategy = restoreStep(run).path("evidence").path("strategy").asText();
        assertTrue(strategy.contains("pg_restore --jobs=2 from a spooled dump"), strategy);
        assertEquals(BACKUP_ROWS, rows(), "the restored rows are the backup's");
        assertEquals(List.of(), leftovers());
        assertEquals(List.of(), spoolFiles());
    }

    @Test
    @Order(3)
    void theSpoolFileOfAKilledAgentIsDeletedAtItsNextStart() throws Exception {
        Path own = Files.writeString(
                spoolDir.resolve("lockstep-restore-" + env.agentId.replace('-', '_') + "-0a1b2c3d.dump"), "dump");
        Path others = Files.writeString(spoolDir.resolve("lockstep-restore-other_agent-0a1b2c3d.dump"), "dump");
        env.agent.kill();
        restartAgent("256");
        Awaitility.await("the restarted agent deleted its own leftover spool file")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> !Files.exists(own));
        assertTrue(Files.exists(others), "another agent's spool file is left alone");
        Files.delete(others);
    }

    private static void restartAgent(String reserveMib) throws Exception {
        env.agent = env.agent.restart(Map.of(
                "lockstep.test.pause-at",
                "",
                "lockstep.postgres.restore.jobs",
                "2",
                "lockstep.postgres.restore.spool-dir",
                spoolDir.toString(),
                "lockstep.postgres.restore.spool-reserve-mib",
                reserveMib));
        env.api.awaitStoreLive(env.store);
    }

    private static String restore() {
        Api.Reply reply = env.api.post("/api/v1/runs/" + backupId + "/restore", "{}");
        assertEquals(202, reply.status(), reply.raw());
        return reply.body().path("id").asText();
    }

    private static JsonNode restoreStep(JsonNode run) {
        for (JsonNode s : run.path("steps")) {
            if (s.path("action").asText().equals("RESTORE")) {
                return s;
            }
        }
        throw new AssertionError("no RESTORE step in " + run.toPrettyString());
    }

    private static List<Path> spoolFiles() throws IOException {
        try (Stream<Path> files = Files.list(spoolDir)) {
            return files.toList();
        }
    }

    private static long rows() throws SQLException {
        try (Connection db = AppDatabase.connect(env.database);
                Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM readings")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Scratch and renamed-aside databases of this scenario's database. */
    private static List<String> leftovers() throws SQLException {
        return AppDatabase.restoreLeftovers(env.database);
    }
}
