package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.ArchivingCluster;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.Repository;
import io.lockstep.systemtests.support.ServiceProcess;
import java.nio.file.Path;
import java.sql.Connection;
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
import org.junit.jupiter.api.Test;

/**
 * Point-in-time recovery end to end: a cluster of its own archives its WAL into the repository through
 * {@code WalArchiveCli}, a Lockstep backup takes its base backup, rows are written at t1 and t2 (WAL switched and
 * archived after each), and a restore with {@code "pointInTime"} between them recovers a new cluster that holds t1's
 * rows and not t2's.
 */
class PointInTimeRecoveryIT {

    static Lockstep lockstep;
    static ArchivingCluster cluster;
    static ServiceProcess agent;
    static String store;
    static final List<Path> recovered = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        lockstep = Lockstep.get();
        store = "it" + lockstep.id + "-pitr";
        Map<String, String> config = lockstep.repositoryConfig("it-pitr-" + lockstep.id);
        cluster = ArchivingCluster.start(
                lockstep.workDirectory("pitr-pg").toAbsolutePath(), store, config, Lockstep.KEYSET);
        try (Connection c = cluster.connect("postgres");
                Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE pitr");
        }
        try (Connection c = cluster.connect("pitr");
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE events (id serial PRIMARY KEY, label text NOT NULL)");
            st.execute("INSERT INTO events (label) VALUES ('before-backup')");
        }
        String p = "lockstep.postgres.stores.\"" + store + "\".";
        config.put(p + "host", "127.0.0.1");
        config.put(p + "port", Integer.toString(cluster.port));
        config.put(p + "user", ArchivingCluster.USER);
        config.put(p + "password", ArchivingCluster.PASSWORD);
        config.put(p + "databases", "pitr");
        config.put(p + "point-in-time-recovery", "true");
        Path recoveries = lockstep.workDirectory("pitr-recovered").toAbsolutePath();
        ArchivingCluster.chownToPostgres(recoveries);
        config.put("lockstep.postgres.recovery.dir", recoveries.toString());
        if (ArchivingCluster.root()) {
            config.put("lockstep.postgres.recovery.run-as", "postgres");
        }
        agent = ServiceProcess.start(
                "postgres-agent-pitr",
                Lockstep.jar("postgres-agent"),
                lockstep.workDirectory("postgres-agent-pitr"),
                Lockstep.freePort(),
                config);
        lockstep.api.awaitStoreLive(store);
    }

    @AfterAll
    static void tearDown() {
        recovered.forEach(ArchivingCluster::stop);
        if (agent != null) {
            agent.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aRestoreToATimeBetweenTwoWritesRecoversANewClusterWithTheFirstWriteOnly() throws Exception {
        Api api = lockstep.api;
        String plan = "it" + lockstep.id + "-pitr";
        api.putPlan(plan, "{\"stores\": [\"" + store + "\"]}");
        String backupId = api.startBackup(plan);
        JsonNode backup = api.awaitEnd(backupId);
        assertEquals("CONSISTENT", backup.path("state").asText(), backup::toPrettyString);
        JsonNode evidence = backupStep(backup).path("evidence");
        String base = evidence.path("baseBackupArtifact").asText();
        assertTrue(base.endsWith("/" + store + "/cluster.base.tar.zst"), evidence::toPrettyString);
        assertEquals(
                evidence.path("baseBackupSha256").asText(),
                Repository.sha256(lockstep.objectPrefix() + base),
                "the stored base backup has the recorded SHA-256");
        Instant consistent = Instant.parse(evidence.path("baseBackupEndedAt").asText());

        Instant target;
        try (Connection c = cluster.connect("pitr");
                Statement st = c.createStatement()) {
            st.execute("INSERT INTO events (label) VALUES ('t1-a'), ('t1-b')");
            archiveCurrentSegment(st);
            target = serverTime(st);
            st.execute("INSERT INTO events (label) VALUES ('t2')");
            archiveCurrentSegment(st);
            assertEquals(List.of("before-backup", "t1-a", "t1-b", "t2"), labels(c), "the source holds every write");
        }

        Api.Reply early = api.post(
                "/api/v1/runs/" + backupId + "/restore", "{\"pointInTime\": \"" + consistent.minusSeconds(60) + "\"}");
        assertEquals(422, early.status(), early::raw);
        assertTrue(early.body().path("detail").asText().contains("before the base backup of " + store), early::raw);

        Api.Reply reply = api.post("/api/v1/runs/" + backupId + "/restore", "{\"pointInTime\": \"" + target + "\"}");
        assertEquals(202, reply.status(), reply::raw);
        JsonNode restore = api.awaitEnd(reply.body().path("id").asText());
        JsonNode step = null;
        for (JsonNode s : restore.path("steps")) {
            if (s.path("action").asText().equals("RESTORE")) {
                step = s;
            }
        }
        assertTrue(step != null, restore::toPrettyString);
        JsonNode where = step.path("evidence");
        if (!where.path("recoveredDataDir").asText().isEmpty()) {
            recovered.add(Path.of(where.path("recoveredDataDir").asText()));
        }
        assertEquals("SUCCEEDED", restore.path("state").asText(), restore::toPrettyString);
        assertEquals(target.toString(), where.path("recoveryTargetTime").asText());
        assertEquals("127.0.0.1", where.path("recoveredHost").asText());
        int port = where.path("recoveredPort").asInt();
        assertTrue(port > 0 && port != cluster.port, where::toPrettyString);
        assertTrue(where.path("walFiles").asInt() >= 2, "WAL came from the archive: " + where);

        try (Connection c = ArchivingCluster.connect(port, "pitr")) {
            assertEquals(
                    List.of("before-backup", "t1-a", "t1-b"),
                    labels(c),
                    "the recovered cluster holds what was committed by the target time, not t2's row");
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                assertFalse(rs.getBoolean(1), "promoted: it takes writes");
            }
        }
        try (Connection c = cluster.connect("pitr")) {
            assertEquals(4, labels(c).size(), "the source cluster is untouched");
        }
    }

    @Test
    void aTargetAfterTheLastArchivedWalFailsTheRestoreInsteadOfStoppingShortOfIt() throws Exception {
        Api api = lockstep.api;
        String plan = "it" + lockstep.id + "-pitr-late";
        api.putPlan(plan, "{\"stores\": [\"" + store + "\"]}");
        String backupId = api.startBackup(plan);
        assertEquals("CONSISTENT", api.awaitEnd(backupId).path("state").asText());
        Instant target;
        try (Connection c = cluster.connect("pitr");
                Statement st = c.createStatement()) {
            // a table of its own, so the other test's row sets do not depend on the order the tests run in
            st.execute("CREATE TABLE late_events (label text)");
            st.execute("INSERT INTO late_events VALUES ('not-archived-yet')"); // its segment is still open
            target = serverTime(st);
        }

        Api.Reply reply = api.post("/api/v1/runs/" + backupId + "/restore", "{\"pointInTime\": \"" + target + "\"}");
        assertEquals(202, reply.status(), reply::raw);
        JsonNode restore = api.awaitEnd(reply.body().path("id").asText());
        for (JsonNode s : restore.path("steps")) {
            if (!s.path("evidence").path("recoveredDataDir").asText().isEmpty()) {
                recovered.add(
                        Path.of(s.path("evidence").path("recoveredDataDir").asText()));
            }
        }
        assertEquals("FAILED", restore.path("state").asText(), restore::toPrettyString);
        assertTrue(
                restore.path("error").asText().contains("recovery ended before configured recovery target was reached"),
                restore::toPrettyString);
    }

    private static JsonNode backupStep(JsonNode run) {
        for (JsonNode s : run.path("steps")) {
            if (s.path("action").asText().equals("BACKUP")) {
                return s;
            }
        }
        throw new AssertionError("no BACKUP step: " + run.toPrettyString());
    }

    /** Switches to a new WAL segment and waits until the archiver pushed the one just closed. */
    private static void archiveCurrentSegment(Statement st) throws SQLException {
        String segment;
        try (ResultSet rs = st.executeQuery("SELECT pg_walfile_name(pg_switch_wal())")) {
            rs.next();
            segment = rs.getString(1);
        }
        Awaitility.await("WAL segment " + segment + " archived")
                .atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    try (ResultSet rs = st.executeQuery(
                            "SELECT coalesce(last_archived_wal, ''), failed_count, coalesce(last_failed_wal, '')"
                                    + " FROM pg_stat_archiver")) {
                        rs.next();
                        return rs.getString(1).compareTo(segment) >= 0
                                && rs.getString(1).length() == 24;
                    }
                });
    }

    private static Instant serverTime(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    private static List<String> labels(Connection c) throws SQLException {
        List<String> labels = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT label FROM events ORDER BY id")) {
            while (rs.next()) {
                labels.add(rs.getString(1));
            }
        }
        return labels;
    }
}
