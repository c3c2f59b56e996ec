package io.lockstep.postgres.client;

import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.process.Redactor;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where SQL that a plan drives runs (the operator's reference query, the table census), on the source database as on
 * a restored or scratch one: a connection of its own, never a writable session.
 * <ul>
 * <li>the session starts with {@code default_transaction_read_only=on}, {@code statement_timeout} and
 * {@code idle_in_transaction_session_timeout} (startup options), so even a transaction begun after an unexpected
 * {@code COMMIT} cannot write;
 * <li>one explicit transaction, {@code REPEATABLE READ, READ ONLY}, optionally importing the backup's exported
 * snapshot ({@code SET TRANSACTION SNAPSHOT}), so the keys and the census are exactly those of the dump;
 * <li>{@code SET LOCAL statement_timeout} and {@code SET LOCAL idle_in_transaction_session_timeout} inside it, and a
 * check that the server reports {@code transaction_read_only = on} before anything else runs;
 * <li>{@link #close()} rolls back.
 * </ul>
 * pgjdbc splits a {@code ;}-separated text into several statements itself (also in the extended protocol), so the
 * driver does not refuse several statements: {@code io.lockstep.protocol.ReferenceQuery} does, before the query
 * reaches this session, and the read-only transaction and session stop whatever would still try to write.
 */
public final class ReadOnlySession implements AutoCloseable {

    /** pg_export_snapshot() returns ids such as {@code 00000003-0000001B-1}. */
    private static final Pattern SNAPSHOT_ID = Pattern.compile("[0-9A-Fa-f]{1,16}(-[0-9A-Fa-f]{1,16}){1,3}");

    private final java.sql.Connection jdbc;
    private final Duration statementTimeout;
    private final String timeoutSetting;
    private final Duration idleInTransactionTimeout;
    private final List<String> secrets;

    private ReadOnlySession(
            java.sql.Connection jdbc,
            Duration statementTimeout,
            String timeoutSetting,
            Duration idleInTransactionTimeout,
            List<String> secrets) {
        this.jdbc = jdbc;
        this.secrets = secrets;
        this.statementTimeout = statementTimeout;
        this.timeoutSetting = timeoutSetting;
        this.idleInTransactionTimeout = idleInTransactionTimeout;
    }

    /**
     * A session for a plan's reference query, bounded by {@link QueryLimits#queryTimeout()}.
     *
     * @param snapshotId an exported snapshot to read under (its exporting transaction must still be open), or null
     */
    public static ReadOnlySession forQuery(Connection db, QueryLimits limits, String snapshotId) throws StepFailure {
        return open(
                db,
                limits.queryTimeout(),
                "lockstep.postgres.query-timeout",
                limits.idleInTransactionTimeout(),
                snapshotId);
    }

    /** A session for the table census, each statement bounded by {@link QueryLimits#censusTimeout()}. */
    public static ReadOnlySession forCensus(Connection db, QueryLimits limits, String snapshotId) throws StepFailure {
        return open(
                db,
                limits.censusTimeout(),
                "lockstep.postgres.census-timeout",
                limits.idleInTransactionTimeout(),
                snapshotId);
    }

    private static ReadOnlySession open(
            Connection db,
            Duration statementTimeout,
            String timeoutSetting,
            Duration idleInTransactionTimeout,
            String snapshotId)
            throws StepFailure {
        java.sql.Connection jdbc = db.openReadOnly(statementTimeout, idleInTransactionTimeout);
        try {
            begin(jdbc, statementTimeout, idleInTransactionTimeout, snapshotId);
            return new ReadOnlySession(jdbc, statementTimeout, timeoutSetting, idleInTransactionTimeout, db.secrets());
        } catch (SQLException | RuntimeException e) {
            try {
                jdbc.close();
            } catch (SQLException ignored) {
                // the failure to begin is the reason given
            }
            throw new StepFailure("cannot begin a read-only transaction on " + db.describe() + ": "
                    + Redactor.redact(e.getMessage(), db.secrets()));
        }
    }

    private static void begin(
            java.sql.Connection jdbc, Duration statementTimeout, Duration idleInTransactionTimeout, String snapshotId)
            throws SQLException {
        jdbc.setAutoCommit(false);
        jdbc.setReadOnly(true);
        try (Statement st = jdbc.createStatement()) {
            // pgjdbc begins the transaction before the first statement; these must come before any query in it.
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            if (snapshotId != null) {
                if (!SNAPSHOT_ID.matcher(snapshotId).matches()) {
                    throw new IllegalArgumentException("not a snapshot id: " + snapshotId);
                }
                st.execute("SET TRANSACTION SNAPSHOT '" + snapshotId + "'");
            }
            st.execute("SET LOCAL statement_timeout = " + statementTimeout.toMillis());
            st.execute("SET LOCAL idle_in_transaction_session_timeout = " + idleInTransactionTimeout.toMillis());
            try (ResultSet rs = st.executeQuery("SELECT current_setting('transaction_read_only')")) {
                rs.next();
                if (!"on".equals(rs.getString(1))) {
                    throw new SQLException("the server did not make the transaction read-only");
                }
            }
        }
    }

    /** The connection, inside the read-only transaction; do not commit it or change its settings. */
    public java.sql.Connection jdbc() {
        return jdbc;
    }

    /**
     * A readable reason for a failure of SQL run in this session: a statement timeout, an attempt to write and an idle
     * session ended by the server are named as such.
     */
    public String reason(SQLException e) {
        String message = Redactor.redact(String.valueOf(e.getMessage()), secrets);
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.equals("57014") && message.contains("statement timeout")) {
            return "cancelled after the statement timeout of " + human(statementTimeout) + " (" + timeoutSetting + "): "
                    + message;
        }
        if (state.equals("25006")) {
            return "refused: it tried to write, and plan queries run in a read-only transaction: " + message;
        }
        if (state.equals("25P03")) {
            return "the server ended the session after it stayed idle in its transaction for "
                    + human(idleInTransactionTimeout) + " (lockstep.postgres.idle-in-transaction-timeout): " + message;
        }
        return message;
    }

    static String human(Duration d) {
        long millis = d.toMillis();
        if (millis % 60_000 == 0) {
            return millis / 60_000 + " min";
        }
        if (millis % 1_000 == 0) {
            return millis / 1_000 + " s";
        }
        return millis + " ms";
    }

    /** Rolls the transaction back and closes the connection. */
    @Override
    public void close() {
        try {
            if (!jdbc.isClosed()) {
                jdbc.rollback();
            }
        } catch (SQLException ignored) {
            // a session the server ended has nothing to roll back
        } finally {
            try {
                jdbc.close();
            } catch (SQLException ignored) {
                // nothing more to release
            }
        }
    }
}
