package io.lockstep.postgres.restore;

import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.config.AgentConfig;
import io.lockstep.agent.core.process.Redactor;
import io.lockstep.postgres.backup.PostgresBackup;
import io.lockstep.postgres.client.Connection;
import io.lockstep.postgres.client.QueryLimits;
import io.lockstep.postgres.client.ReadOnlySession;
import io.lockstep.postgres.client.TableCensus;
import io.lockstep.postgres.config.PostgresAgentConfig;
import io.lockstep.protocol.ArtifactLayout;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.RepositoryException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Restores a dump into a database, never destroying the live one with a bad artifact:
 * <ol>
 * <li>a scratch database is created beside the target;
 * <li>{@link DumpLoader} restores the artifact, its SHA-256 checked, into the scratch database: streamed into
 * {@code pg_restore --single-transaction}, or spooled to a file and restored by a parallel {@code pg_restore --jobs};
 * <li>only if the artifact had the recorded SHA-256 and pg_restore exited 0, the target (if it exists) stops
 * taking connections, its sessions are terminated, it is renamed aside, the scratch database takes its name and the
 * old one is dropped.
 * </ol>
 * A corrupted or truncated artifact, a pg_restore error or a full disk therefore leaves the live database exactly as it
 * was; only the scratch database is dropped. The swap itself ({@link DatabaseSwap}) renames in one transaction, undoes
 * its connection refusal on failure, and is repaired at the agent's next start if the agent dies in it. The cost is
 * room for a second copy of the database during the restore, which a drop-then-restore would not need.
 */
@ApplicationScoped
public class PostgresRestore {

    private static final Logger LOG = Logger.getLogger(PostgresRestore.class);

    private final BackupRepository repository;
    private final DumpLoader loader;
    private final PostgresAgentConfig config;
    private final AgentConfig agent;
    /** The steps (their tags) restoring in this process now: {@link #repair} leaves their marks alone. */
    private final Set<String> running = ConcurrentHashMap.newKeySet();

    @Inject
    public PostgresRestore(
            BackupRepository repository, DumpLoader loader, PostgresAgentConfig config, AgentConfig agent) {
        this.repository = repository;
        this.loader = loader;
        this.config = config;
        this.agent = agent;
    }

    /**
     * Puts right what restores of this agent left half-done on the store's server (see {@link DatabaseSwap}): a live
     * database refusing connections, one renamed aside, a scratch database. Runs at the agent's start and before each
     * swap; returns what it did.
     */
    public List<String> repair(Connection store) throws StepFailure {
        try (java.sql.Connection admin = store.withDatabase("postgres").open()) {
            admin.setAutoCommit(true);
            return repair(admin, store);
        } catch (SQLException e) {
            throw new StepFailure("cannot repair interrupted restores on store " + store.describe() + ": "
                    + Redactor.redact(e.getMessage(), store.secrets()));
        }
    }

    private synchronized List<String> repair(java.sql.Connection admin, Connection store) throws SQLException {
        List<String> done = DatabaseSwap.repair(admin, agent.id(), Set.copyOf(running));
        done.forEach(line -> LOG.warnf("repaired an interrupted restore on %s: %s", store.describe(), line));
        return done;
    }

    public StepResult restore(
            Connection store,
            String target,
            boolean inPlace,
            String artifact,
            String expectedSha256,
            String referenceQuery,
            String referenceArtifact,
            UUID stepId,
            StepContext context)
            throws StepFailure {
        long started = System.nanoTime();
        Connection maintenance = store.withDatabase("postgres");
        String tag = stepId.toString().substring(0, 8);
        String scratch = ArtifactLayout.stem(target) + "_lsrestore_" + tag;
        String aside = ArtifactLayout.stem(target) + "_lsold_" + tag;
        Map<String, String> evidence = new HashMap<>();
        long bytes = 0;
        evidence.put(EvidenceKeys.DATABASE, target);
        int jobs = config.restore().jobs();
        evidence.put(
                EvidenceKeys.STRATEGY,
                "restored into scratch database " + scratch
                        + (jobs > 1 ? " by pg_restore --jobs=" + jobs + " from a spooled dump" : " in one transaction")
                        + ", then swapped");
        try (java.sql.Connection admin = maintenance.open()) {
            admin.setAutoCommit(true);
            if (!inPlace && exists(admin, target)) {
                throw new StepFailure("database " + target + " already exists; a restore into a new database never "
                        + "overwrites one");
            }
            synchronized (this) {
                // What a previous life of this agent left (this very step, redelivered, among others) is put right
                // before this step's own marks are protected from repairs.
                repair(admin, store);
                running.add(tag);
            }
            boolean swapped = false;
            try {
                execute(admin, "CREATE DATABASE " + ident(scratch) + " TEMPLATE template0");
                DatabaseSwap.markScratch(admin, scratch, agent.id(), tag, target);
                bytes = loader.load(store.withDatabase(scratch), artifact, expectedSha256, tag, context);
                evidence.put(EvidenceKeys.BYTES, Long.toString(bytes));
                if (context.cancelled()) {
                    throw new StepFailure("the restore was cancelled: " + context.cancelReason());
                }
                repair(admin, store);
                boolean exists = exists(admin, target);
                int terminated = 0;
                if (exists) {
                    String owner = owner(admin, target);
                    try {
                        terminated = DatabaseSwap.swap(
                                admin,
                                agent.id(),
                                tag,
                                target,
                                scratch,
                                aside,
                                () -> context.cancelled() ? context.cancelReason() : null);
                    } catch (SQLException | StepFailure e) {
                        throw new StepFailure("the swap of the restored database into " + target + " failed, the "
                                + "live database was left in place and takes connections: "
                                + Redactor.redact(e.getMessage(), store.secrets()));
                    }
                    swapped = true;
                    setOwner(admin, target, owner, evidence);
                    String dropWarning = DatabaseSwap.dropAside(admin, aside);
                    if (dropWarning != null) {
                        evidence.put(EvidenceKeys.CLEANUP_WARNING, dropWarning);
                    }
                } else {
                    DatabaseSwap.renameNew(admin, scratch, target);
                    swapped = true;
                }
                evidence.put(EvidenceKeys.REPLACED_EXISTING, Boolean.toString(exists));
                evidence.put(EvidenceKeys.TERMINATED_CONNECTIONS, Integer.toString(terminated));
            } finally {
                running.remove(tag);
                if (!swapped) {
                    dropQuietly(admin, scratch);
                }
            }
        } catch (SQLException e) {
            throw new StepFailure(
                    "restore of database " + target + " failed: " + Redactor.redact(e.getMessage(), store.secrets()));
        }
        if (referenceQuery != null && referenceArtifact != null) {
            evidence.putAll(references(store.withDatabase(target), referenceQuery, referenceArtifact));
        }
        evidence.put(
                EvidenceKeys.DURATION_MILLIS,
                Long.toString(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)));
        LOG.infof("restored %s into database %s", artifact, target);
        return new StepResult(bytes, expectedSha256, artifact, evidence);
    }

    /**
     * Runs the plan's reference query on the restored database and stores its keys, for the cross-store check. The
     * restored database is writable for the backup role, so the query runs in a read-only session like at backup time.
     */
    private Map<String, String> references(Connection restored, String query, String artifact) throws StepFailure {
        try (ReadOnlySession session = ReadOnlySession.forQuery(restored, QueryLimits.of(config), null)) {
            long keys = io.lockstep.postgres.backup.ReferenceKeys.write(
                    session, query, artifact, repository, PostgresBackup.REFERENCE_THREADS);
            return Map.of(EvidenceKeys.REFERENCE_KEYS, Long.toString(keys), EvidenceKeys.REFERENCE_ARTIFACT, artifact);
        } catch (RuntimeException e) {
            throw new StepFailure("the reference query on the restored database " + restored.database() + " failed: "
                    + Redactor.redact(e.getMessage(), restored.secrets()));
        }
    }

    /** What a restore into {@code target} would replace: whether it exists, its size and open sessions. */
    public StepResult inspect(Connection store, String target, long artifactBytes) throws StepFailure {
        try (java.sql.Connection admin = store.withDatabase("postgres").open();
                PreparedStatement st = admin.prepareStatement("SELECT pg_database_size(d.oid), "
                        + "(SELECT count(*) FROM pg_stat_activity a WHERE a.datname = d.datname) "
                        + "FROM pg_database d WHERE d.datname = ?")) {
            st.setString(1, target);
            Map<String, String> evidence = new HashMap<>();
            evidence.put(EvidenceKeys.DATABASE, target);
            try (ResultSet rs = st.executeQuery()) {
                boolean exists = rs.next();
                evidence.put(EvidenceKeys.TARGET_EXISTS, Boolean.toString(exists));
                if (exists) {
                    evidence.put(EvidenceKeys.TARGET_BYTES, Long.toString(rs.getLong(1)));
                    evidence.put(EvidenceKeys.OPEN_CONNECTIONS, Long.toString(rs.getLong(2)));
                }
            }
            evidence.put(EvidenceKeys.BYTES_TO_TRANSFER, Long.toString(artifactBytes));
            return new StepResult(0, null, null, evidence);
        } catch (SQLException e) {
            throw new StepFailure(
                    "cannot inspect database " + target + ": " + Redactor.redact(e.getMessage(), store.secrets()));
        }
    }

    /** Compares a restored database with the census the backup took under its snapshot. */
    public StepResult check(Connection store, String target, String censusArtifact, String censusSha256)
            throws StepFailure {
        if (censusArtifact == null) {
            throw new StepFailure("the backup recorded no table census to compare database " + target + " with");
        }
        List<TableCensus.Table> recorded;
        try (InputStream in = repository.openVerified(censusArtifact, censusSha256)) {
            recorded = TableCensus.decode(in);
        } catch (IOException | RepositoryException e) {
            throw new StepFailure("cannot read the table census " + censusArtifact + ": " + e.getMessage());
        }
        try (ReadOnlySession session =
                ReadOnlySession.forCensus(store.withDatabase(target), QueryLimits.of(config), null)) {
            List<TableCensus.Table> actual;
            try {
                actual = TableCensus.take(session.jdbc(), recorded);
            } catch (SQLException e) {
                throw new StepFailure("cannot check database " + target + ": " + session.reason(e));
            }
            List<String> problems = TableCensus.differences(recorded, actual);
            if (!problems.isEmpty()) {
                throw new StepFailure("database " + target + " does not match the backup: "
                        + String.join("; ", problems.subList(0, Math.min(10, problems.size())))
                        + (problems.size() > 10 ? " (and " + (problems.size() - 10) + " more)" : ""));
            }
            return new StepResult(
                    0,
                    null,
                    null,
                    Map.of(
                            EvidenceKeys.DATABASE,
                            target,
                            EvidenceKeys.TABLES,
                            Integer.toString(actual.size()),
                            EvidenceKeys.ROWS,
                            Long.toString(actual.stream()
                                    .mapToLong(TableCensus.Table::rows)
                                    .sum())));
        }
    }

    /** Drops a drill's scratch database; refuses any name a drill would not have made. */
    public StepResult drop(Connection store, String target) throws StepFailure {
        if (!ArtifactLayout.isDrillDatabase(target)) {
            throw new StepFailure("refusing to drop database " + target + ": only restore drills' scratch databases "
                    + "(names containing " + ArtifactLayout.DRILL_DATABASE_MARKER + ") are dropped");
        }
        try (java.sql.Connection admin = store.withDatabase("postgres").open()) {
            admin.setAutoCommit(true);
            boolean existed = exists(admin, target);
            execute(admin, "DROP DATABASE IF EXISTS " + ident(target) + " WITH (FORCE)");
            return new StepResult(
                    0,
                    null,
                    null,
                    Map.of(EvidenceKeys.DATABASE, target, EvidenceKeys.DROPPED, Boolean.toString(existed)));
        } catch (SQLException e) {
            throw new StepFailure(
                    "cannot drop database " + target + ": " + Redactor.redact(e.getMessage(), store.secrets()));
        }
    }

    private static boolean exists(java.sql.Connection admin, String database) throws SQLException {
        try (PreparedStatement st = admin.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            st.setString(1, database);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static String owner(java.sql.Connection admin, String database) throws SQLException {
        try (PreparedStatement st =
                admin.prepareStatement("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?")) {
            st.setString(1, database);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static void setOwner(
            java.sql.Connection admin, String database, String owner, Map<String, String> evidence) {
        if (owner == null) {
            return;
        }
        try {
            execute(admin, "ALTER DATABASE " + ident(database) + " OWNER TO " + ident(owner));
        } catch (SQLException e) {
            evidence.put(
                    EvidenceKeys.OWNER_WARNING,
                    "could not give the restored database back to its owner " + owner + ": " + e.getMessage());
        }
    }

    private static void dropQuietly(java.sql.Connection admin, String database) {
        try {
            execute(admin, "DROP DATABASE IF EXISTS " + ident(database) + " WITH (FORCE)");
        } catch (SQLException e) {
            LOG.warnf("could not drop the scratch database %s: %s", database, e.getMessage());
        }
    }

    private static void execute(java.sql.Connection admin, String sql) throws SQLException {
        try (Statement st = admin.createStatement()) {
            st.execute(sql);
        }
    }

    static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
