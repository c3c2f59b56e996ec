package io.lockstep.postgres.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.postgres.ScratchDatabase;
import io.lockstep.postgres.client.Connection;
import io.lockstep.postgres.client.QueryLimits;
import io.lockstep.postgres.client.ReadOnlySession;
import io.lockstep.postgres.client.TableCensus;
import io.lockstep.postgres.config.PostgresAgentConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A plan's reference query against the real PostgreSQL (the catalog cluster on 5432, which the build starts): several
 * statements and data-modifying queries never change the table, even with the check bypassed, and a query beyond
 * its statement timeout fails with a readable reason (issue 12, issue 11's statement timeout).
 */
class ReferenceQueryGuardIT {

    private static final QueryLimits LIMITS =
            new QueryLimits(Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofMinutes(1));

    private static String database;
    private static Connection db;

    @BeforeAll
    static void createDatabase() throws Exception {
        database = ScratchDatabase.create(
                "lockstep_guard_it_",
                "CREATE TABLE t (id int PRIMARY KEY, key text NOT NULL)",
                "INSERT INTO t VALUES (1, 'c'), (2, 'a'), (3, 'b')",
                "CREATE TABLE later (key text NOT NULL)",
                "INSERT INTO later VALUES ('k1')");
        db = new Connection("guard", store(), database, 5);
    }

    @AfterAll
    static void dropDatabase() throws Exception {
        ScratchDatabase.drop(database);
    }

    private static PostgresAgentConfig.Store store() {
        return new PostgresAgentConfig.Store() {
            public String host() {
                return "127.0.0.1";
            }

            public int port() {
                return 5432;
            }

            public String user() {
                return "postgres";
            }

            public Optional<String> password() {
                return Optional.empty();
            }

            public Optional<Path> passwordFile() {
                return Optional.empty();
            }

            public List<String> databases() {
                return List.of(database);
            }

            public String sslmode() {
                return "disable";
            }

            public boolean pointInTimeRecovery() {
                return false;
            }
        };
    }

    /** The rows of t, read outside any guard; fails if the table is gone. */
    private static long rowsOfT() throws SQLException {
        try (var c = ScratchDatabase.connect(database);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String keys(ReadOnlySession session, String query) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ReferenceKeys.read(session, query, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void severalStatementsAreRefusedAndTheTableKeepsItsRows() throws Exception {
        for (String query : List.of(
                "SELECT 1; DROP TABLE t",
                "select id from t; commit; delete from t",
                // closes the wrapper's parenthesis, so without the check the server would run the DELETE
                "select key from t) AS q(k); COMMIT; DELETE FROM t; SELECT q.k::text FROM (SELECT 'x'")) {
            try (ReadOnlySession session = ReadOnlySession.forQuery(db, LIMITS, null)) {
                IllegalArgumentException refused =
                        assertThrows(IllegalArgumentException.class, () -> keys(session, query), query);
                assertTrue(
                        refused.getMessage().startsWith("reference query must be a single SELECT statement: found ';'"),
                        refused.getMessage());
            }
            assertEquals(3, rowsOfT(), query);
        }
    }

    /**
     * Why the guard exists: the same injection, wrapped as before and run as the agent ran it before (a plain
     * connection, autocommit off, read-only flag), deletes the rows of a table of its own.
     */
    @Test
    void withoutTheGuardTheInjectionEscapesAReadOnlyFlaggedTransaction() throws Exception {
        try (var c = ScratchDatabase.connect(database);
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE victim AS SELECT g AS id, 'k' || g AS key FROM generate_series(1, 3) g");
        }
        try (var c = db.open()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(java.sql.Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            try (Statement st = c.createStatement()) {
                st.execute(
                        ReferenceKeys.sortedQuery(
                                "select key from victim) AS q(k); COMMIT; DELETE FROM victim; SELECT q.k::text FROM (SELECT 'x'"));
            } catch (SQLException ignored) {
                // whatever pgjdbc makes of the several results, the DELETE already ran
            }
            c.rollback();
        }
        try (var c = ScratchDatabase.connect(database);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM victim")) {
            rs.next();
            assertEquals(
                    0, rs.getLong(1), "the injection did not delete; the guard's tests prove less than they claim");
        } finally {
            try (var c = ScratchDatabase.connect(database);
                    Statement st = c.createStatement()) {
                st.execute("DROP TABLE victim");
            }
        }
    }

    @Test
    void aDataModifyingWithIsRefusedAndTheTableKeepsItsRows() throws Exception {
        try (ReadOnlySession session = ReadOnlySession.forQuery(db, LIMITS, null)) {
            IllegalArgumentException refused = assertThrows(
                    IllegalArgumentException.class,
                    () -> keys(session, "WITH d AS (DELETE FROM t RETURNING id) SELECT id FROM d"));
            assertTrue(refused.getMessage().contains("found DELETE"), refused.getMessage());
        }
        assertEquals(3, rowsOfT());
    }

    @Test
    void theSessionItselfRefusesWritesWhenTheCheckIsBypassed() throws Exception {
        try (ReadOnlySession session = ReadOnlySession.forQuery(db, LIMITS, null);
                Statement st = session.jdbc().createStatement()) {
            SQLException e = assertThrows(
                    SQLException.class, () -> st.execute("WITH d AS (DELETE FROM t RETURNING id) SELECT id FROM d"));
            assertEquals("25006", e.getSQLState(), e.getMessage());
            assertTrue(session.reason(e).contains("read-only transaction"), session.reason(e));
        }
        // A COMMIT ends the read-only transaction; the session's default keeps the next one read-only too.
        try (ReadOnlySession session = ReadOnlySession.forQuery(db, LIMITS, null);
                Statement st = session.jdbc().createStatement()) {
            SQLException e =
                    assertThrows(SQLException.class, () -> st.execute("select id from t; commit; delete from t"));
            assertEquals("25006", e.getSQLState(), e.getMessage());
        }
        try (ReadOnlySession session = ReadOnlySession.forQuery(db, LIMITS, null);
                Statement st = session.jdbc().createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> st.execute("commit; drop table t"));
            assertEquals("25006", e.getSQLState(), e.getMessage());
        }
        assertEquals(3, rowsOfT());
    }

    @Test
    void aSessionOnAWritableDatabaseIsReadOnlyWithItsTimeouts() throws Exception {
        QueryLimits limits = new QueryLimits(Duration.ofSeconds(7), Duration.ofSeconds(9), Duration.ofSeconds(11));
        try (ReadOnlySession session = ReadOnlySession.forQuery(db, limits, null);
                Statement st = session.jdbc().createStatement();
                ResultSet rs = st.executeQuery("SELECT current_setting('transaction_read_only'), "
                        + "current_setting('default_transaction_read_only'), current_setting('statement_timeout'), "
                        + "current_setting('idle_in_transaction_session_timeout')")) {
            rs.next();
            assertEquals(
                    List.of("on", "on", "7s", "11s"),
                    List.of(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
        }
        try (ReadOnlySession session = ReadOnlySession.forCensus(db, limits, null);
                Statement st = session.jdbc().createStatement();
                ResultSet rs = st.executeQuery("SELECT current_setting('statement_timeout')")) {
            rs.next();
            assertEquals("9s", rs.getString(1));
            assertEquals(
                    List.of("public.later 1", "public.t 3"),
                    TableCensus.take(session.jdbc()).stream()
                            .map(t -> t.name() + " " + t.rows())
                            .toList());
        }
    }

    @Test
    void aQueryBeyondTheStatementTimeoutFailsWithAReadableReason() throws Exception {
        QueryLimits tight = new QueryLimits(Duration.ofMillis(200), Duration.ofMinutes(1), Duration.ofMinutes(1));
        try (ReadOnlySession session = ReadOnlySession.forQuery(db, tight, null)) {
            IllegalStateException e =
                    assertThrows(IllegalStateException.class, () -> keys(session, "select key from t, pg_sleep(30)"));
            assertTrue(
                    e.getMessage()
                            .startsWith("cancelled after the statement timeout of 200 ms "
                                    + "(lockstep.postgres.query-timeout)"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("canceling statement due to statement timeout"), e.getMessage());
        }
    }

    @Test
    void aSingleSelectYieldsItsKeysSortedEvenWithATrailingComment() throws Exception {
        try (ReadOnlySession session = ReadOnlySession.forQuery(db, LIMITS, null)) {
            assertEquals("a\nb\nc\n", keys(session, "select key from t where key <> ';' -- every key; sorted"));
        }
    }

    @Test
    void underTheExportedSnapshotTheKeysAreThoseOfTheSnapshot() throws Exception {
        try (var exporter = ScratchDatabase.connect(database)) {
            exporter.setAutoCommit(false);
            exporter.setTransactionIsolation(java.sql.Connection.TRANSACTION_REPEATABLE_READ);
            exporter.setReadOnly(true);
            String snapshot;
            try (Statement st = exporter.createStatement();
                    ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
                rs.next();
                snapshot = rs.getString(1);
            }
            try (var writer = ScratchDatabase.connect(database);
                    Statement st = writer.createStatement()) {
                st.execute("INSERT INTO later VALUES ('k2')");
            }
            try (ReadOnlySession session = ReadOnlySession.forQuery(db, LIMITS, snapshot)) {
                assertEquals("k1\n", keys(session, "select key from later"));
            }
            try (ReadOnlySession session = ReadOnlySession.forQuery(db, LIMITS, null)) {
                assertEquals("k1\nk2\n", keys(session, "select key from later"));
            }
            exporter.rollback();
        } finally {
            try (var c = ScratchDatabase.connect(database);
                    Statement st = c.createStatement()) {
                st.execute("DELETE FROM later WHERE key = 'k2'");
            }
        }
    }

    @Test
    void aSnapshotIdThatIsNoneIsRefusedBeforeReachingTheServer() {
        StepFailure e =
                assertThrows(StepFailure.class, () -> ReadOnlySession.forQuery(db, LIMITS, "x'; drop table t; --"));
        assertTrue(e.getMessage().contains("not a snapshot id"), e.getMessage());
    }
}
