package io.lockstep.postgres.restore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.testing.TestPause;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Swaps a restored scratch database in place of a live one so that the live name always names a database that takes
 * connections, whatever fails or dies on the way, and repairs a swap its agent was killed in.
 *
 * <p>The swap is journalled in the cluster itself, as a comment on the databases involved ({@code COMMENT ON
 * DATABASE}, stored in the shared catalog, so it follows a database through a rename and survives the agent):
 *
 * <ol>
 * <li>one transaction marks the live database (the mark names the agent, the step, the live name, its owner and the
 * comment it had) and refuses new connections to it ({@code ALLOW_CONNECTIONS false});
 * <li>its sessions are terminated and the swap waits until they are gone (at most {@link #SESSIONS_GONE_WITHIN});
 * <li>one transaction renames the live database aside and the scratch database to the live name, and gives the
 * restored database the live one's comment. PostgreSQL allows {@code ALTER DATABASE ... RENAME} in a transaction
 * block (unlike {@code CREATE} and {@code DROP DATABASE}), and each rename holds an exclusive lock on its database
 * until the commit, so new sessions wait and then find either the old database or the restored one under the live
 * name, never none: both renames happen, or neither does;
 * <li>the old database is dropped.
 * </ol>
 *
 * A failure before the rename transaction commits undoes step 1 (connections allowed again, the comment put back).
 * If the agent dies instead, its next start calls {@link #repair}: a marked database under its live name takes
 * connections again; one renamed aside is renamed back if the live name is free, and dropped if the restored database
 * holds it (the swap committed). Scratch databases a dead agent left are dropped too. Marks of another agent, and of
 * steps running in this process, are left alone.
 */
final class DatabaseSwap {

    private static final Logger LOG = Logger.getLogger(DatabaseSwap.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every mark's comment starts with this. */
    static final String MARK = "lockstep-restore ";
    /** How long the swap waits for the terminated sessions of the live database to be gone. */
    static final Duration SESSIONS_GONE_WITHIN = Duration.ofSeconds(30);

    /** TEST ONLY pause points ({@code lockstep.test.pause-at}): inside the swap, for the fault tests. */
    static final String PAUSE_CONNECTIONS_REFUSED = "restore-connections-refused";

    static final String PAUSE_RENAMED_ASIDE = "restore-renamed-aside";

    /**
     * The journal: {@code kind} is {@code live} (the database being replaced) or {@code scratch} (a restore's
     * scratch database), {@code target} the live name.
     */
    record Mark(String kind, String agent, String step, String target, String owner, String comment) {

        String encode() {
            try {
                return MARK + JSON.writeValueAsString(this);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        static Mark decode(String comment) {
            if (comment == null || !comment.startsWith(MARK)) {
                return null;
            }
            try {
                return JSON.readValue(comment.substring(MARK.length()), Mark.class);
            } catch (JsonProcessingException e) {
                return null;
            }
        }
    }

    private DatabaseSwap() {}

    /** Marks a new scratch database as this step's, so a dead agent's leftover is recognised and dropped. */
    static void markScratch(java.sql.Connection admin, String scratch, String agent, String step, String target)
            throws SQLException {
        execute(
                admin,
                "COMMENT ON DATABASE " + ident(scratch) + " IS "
                        + literal(new Mark("scratch", agent, step, target, null, null).encode()));
    }

    /**
     * Puts {@code scratch} in place of the live database {@code target}. Returns how many sessions were terminated.
     * On failure the live database keeps its name and takes connections again (unless the connection to the server is
     * lost too: then {@link #repair} puts it right at the agent's next start or restore).
     */
    static int swap(
            java.sql.Connection admin,
            String agent,
            String step,
            String target,
            String scratch,
            String aside,
            java.util.function.Supplier<String> cancelled)
            throws SQLException, StepFailure {
        String owner = queryString(admin, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?", target);
        String previous = queryString(
                admin, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = ?", target);
        if (Mark.decode(previous) != null) {
            throw new StepFailure("database " + target + " carries the mark of another restore's swap (" + previous
                    + "); nothing was replaced");
        }
        Mark mark = new Mark("live", agent, step, target, owner, previous);
        inTransaction(admin, () -> {
            execute(admin, "COMMENT ON DATABASE " + ident(target) + " IS " + literal(mark.encode()));
            execute(admin, "ALTER DATABASE " + ident(target) + " ALLOW_CONNECTIONS false");
        });
        boolean committed = false;
        try {
            TestPause.at(PAUSE_CONNECTIONS_REFUSED);
            int terminated = terminateAndWait(admin, target);
            String cancel = cancelled.get();
            if (cancel != null) {
                throw new StepFailure("the restore was cancelled before the renames: " + cancel);
            }
            inTransaction(admin, () -> {
                execute(admin, "ALTER DATABASE " + ident(target) + " RENAME TO " + ident(aside));
                TestPause.at(PAUSE_RENAMED_ASIDE);
                execute(admin, "ALTER DATABASE " + ident(scratch) + " RENAME TO " + ident(target));
                execute(admin, "COMMENT ON DATABASE " + ident(target) + " IS " + literal(previous));
            });
            committed = true;
            return terminated;
        } finally {
            if (!committed) {
                undo(admin, mark);
            }
        }
    }

    /** A restore into a new database: the scratch database takes the name and loses its mark, in one transaction. */
    static void renameNew(java.sql.Connection admin, String scratch, String target) throws SQLException {
        inTransaction(admin, () -> {
            execute(admin, "ALTER DATABASE " + ident(scratch) + " RENAME TO " + ident(target));
            execute(admin, "COMMENT ON DATABASE " + ident(target) + " IS NULL");
        });
    }

    /** After a committed swap: the old database, renamed aside, is dropped (a failure is repaired later). */
    static String dropAside(java.sql.Connection admin, String aside) {
        try {
            execute(admin, "DROP DATABASE IF EXISTS " + ident(aside) + " WITH (FORCE)");
            return null;
        } catch (SQLException e) {
            LOG.warnf(
                    "could not drop the replaced database %s (the agent drops it at its next start): %s",
                    aside, e.getMessage());
            return "the replaced database " + aside + " was not dropped yet: " + e.getMessage();
        }
    }

    /** Lets the live database take connections again and gives it its comment back. */
    private static void undo(java.sql.Connection admin, Mark mark) {
        try {
            if (!admin.getAutoCommit()) {
                admin.rollback();
                admin.setAutoCommit(true);
            }
            inTransaction(admin, () -> {
                execute(admin, "ALTER DATABASE " + ident(mark.target()) + " ALLOW_CONNECTIONS true");
                execute(admin, "COMMENT ON DATABASE " + ident(mark.target()) + " IS " + literal(mark.comment()));
            });
            LOG.infof("the swap of database %s was undone: it is live and takes connections", mark.target());
        } catch (SQLException e) {
            LOG.errorf(
                    "could not undo the swap of database %s (the agent repairs it at its next start or restore): %s",
                    mark.target(), e.getMessage());
        }
    }

    /**
     * Repairs what swaps of {@code agent} left half-done (steps in {@code running} excepted); returns what it did, one
     * line each.
     */
    static List<String> repair(java.sql.Connection admin, String agent, Set<String> running) throws SQLException {
        List<String> done = new ArrayList<>();
        List<String[]> marked = new ArrayList<>();
        try (Statement st = admin.createStatement();
                ResultSet rs = st.executeQuery("SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database "
                        + "WHERE shobj_description(oid, 'pg_database') LIKE 'lockstep-restore %'")) {
            while (rs.next()) {
                marked.add(new String[] {rs.getString(1), rs.getString(2)});
            }
        }
        for (String[] db : marked) {
            String name = db[0];
            Mark mark = Mark.decode(db[1]);
            if (mark == null || !agent.equals(mark.agent()) || running.contains(mark.step())) {
                continue;
            }
            if ("scratch".equals(mark.kind())) {
                if (!name.equals(mark.target())) {
                    execute(admin, "DROP DATABASE IF EXISTS " + ident(name) + " WITH (FORCE)");
                    done.add("dropped the scratch database " + name + " of an interrupted restore of " + mark.target());
                }
            } else if (name.equals(mark.target())) {
                inTransaction(admin, () -> {
                    execute(admin, "ALTER DATABASE " + ident(name) + " ALLOW_CONNECTIONS true");
                    execute(admin, "COMMENT ON DATABASE " + ident(name) + " IS " + literal(mark.comment()));
                });
                done.add("database " + name + " takes connections again (a restore's swap was interrupted before "
                        + "the renames)");
            } else if (exists(admin, mark.target())) {
                if (mark.owner() != null) {
                    try {
                        execute(admin, "ALTER DATABASE " + ident(mark.target()) + " OWNER TO " + ident(mark.owner()));
                    } catch (SQLException e) {
                        LOG.warnf(
                                "could not give database %s back to %s: %s",
                                mark.target(), mark.owner(), e.getMessage());
                    }
                }
                execute(admin, "DROP DATABASE IF EXISTS " + ident(name) + " WITH (FORCE)");
                done.add("dropped " + name + ", the database a completed swap replaced with the restored "
                        + mark.target());
            } else {
                inTransaction(admin, () -> {
                    execute(admin, "ALTER DATABASE " + ident(name) + " RENAME TO " + ident(mark.target()));
                    execute(admin, "ALTER DATABASE " + ident(mark.target()) + " ALLOW_CONNECTIONS true");
                    execute(admin, "COMMENT ON DATABASE " + ident(mark.target()) + " IS " + literal(mark.comment()));
                });
                done.add("renamed " + name + " back to " + mark.target() + ", which takes connections again");
            }
        }
        return done;
    }

    /** Terminates the database's other sessions and waits until none is left. */
    private static int terminateAndWait(java.sql.Connection admin, String database) throws SQLException, StepFailure {
        int terminated = 0;
        long deadline = System.nanoTime() + SESSIONS_GONE_WITHIN.toNanos();
        while (true) {
            try (PreparedStatement st =
                    admin.prepareStatement("SELECT count(*), count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            + "WHERE datname = ? AND pid <> pg_backend_pid()")) {
                st.setString(1, database);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        return terminated;
                    }
                    terminated += rs.getInt(2);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new StepFailure("the sessions of database " + database + " were still there "
                        + SESSIONS_GONE_WITHIN.toSeconds() + " s after they were terminated; nothing was replaced");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StepFailure("the swap of database " + database + " was interrupted; nothing was replaced");
            }
        }
    }

    interface Work {
        void run() throws SQLException;
    }

    private static void inTransaction(java.sql.Connection admin, Work work) throws SQLException {
        admin.setAutoCommit(false);
        try {
            work.run();
            admin.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                admin.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        } finally {
            try {
                admin.setAutoCommit(true);
            } catch (SQLException ignored) {
                // the connection is gone; the caller's next statement says so
            }
        }
    }

    static boolean exists(java.sql.Connection admin, String database) throws SQLException {
        return queryString(admin, "SELECT datname FROM pg_database WHERE datname = ?", database) != null;
    }

    private static String queryString(java.sql.Connection admin, String sql, String parameter) throws SQLException {
        try (PreparedStatement st = admin.prepareStatement(sql)) {
            st.setString(1, parameter);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    static void execute(java.sql.Connection admin, String sql) throws SQLException {
        try (Statement st = admin.createStatement()) {
            st.execute(sql);
        }
    }

    static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** A string literal for DDL that takes no parameters; {@code NULL} for null. */
    static String literal(String value) {
        if (value == null) {
            return "NULL";
        }
        return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
