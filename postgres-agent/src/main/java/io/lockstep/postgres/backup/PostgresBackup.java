package io.lockstep.postgres.backup;

import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.process.ChildProcess;
import io.lockstep.agent.core.process.Redactor;
import io.lockstep.postgres.client.Connection;
import io.lockstep.postgres.client.PostgresTools;
import io.lockstep.postgres.client.QueryLimits;
import io.lockstep.postgres.client.ReadOnlySession;
import io.lockstep.postgres.client.TableCensus;
import io.lockstep.postgres.config.PostgresAgentConfig;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.Compression;
import io.lockstep.repository.RepositoryException;
import io.lockstep.repository.UploadHooks;
import io.lockstep.repository.UploadResult;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Dumps one database under an exported snapshot and streams the archive into the repository:
 * <ol>
 * <li>a JDBC connection opens a {@code REPEATABLE READ} transaction and calls {@code pg_export_snapshot()};
 * <li>the snapshot's server time and WAL LSN are reported at once, before any byte of the dump;
 * <li>{@code pg_dump -Fc --snapshot=<id>} runs while that transaction holds the snapshot, and its stdout is
 * piped straight into a multipart upload. No temporary file, bounded memory. By default pg_dump does not compress
 * ({@code --compress=0}) and the agent compresses the archive with multi-threaded zstd on the way
 * ({@link Compression}); pg_dump's own gzip runs on one core and was the slowest part of a backup.
 * </ol>
 * A non-zero exit of pg_dump aborts the upload, so a truncated archive never becomes an object.
 */
@ApplicationScoped
public class PostgresBackup {

    private static final Logger LOG = Logger.getLogger(PostgresBackup.class);
    private static final String SNAPSHOT_QUERY = "SELECT pg_export_snapshot(), clock_timestamp(), "
            + "CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text";

    /** Blocking work beside a dump (the reference query, its upload, the census); never the common pool. */
    public static final java.util.concurrent.ExecutorService REFERENCE_THREADS =
            java.util.concurrent.Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "reference-keys");
                t.setDaemon(true);
                return t;
            });

    private final BackupRepository repository;
    private final PostgresAgentConfig config;
    private final PostgresTools tools;

    @Inject
    public PostgresBackup(BackupRepository repository, PostgresAgentConfig config, PostgresTools tools) {
        this.repository = repository;
        this.config = config;
        this.tools = tools;
    }

    /**
     * Dumps {@code db} into {@code artifact}. While pg_dump streams, read-only sessions that import the same snapshot
     * ({@link ReadOnlySession}) take the {@link TableCensus} into {@code censusArtifact} and, with a reference query,
     * store its keys sorted in {@code referenceArtifact}; the exporting transaction itself runs no plan SQL.
     */
    public StepResult backup(
            Connection db,
            String artifact,
            String referenceQuery,
            String referenceArtifact,
            String censusArtifact,
            StepContext context)
            throws StepFailure {
        long started = System.nanoTime();
        try (java.sql.Connection jdbc = db.open()) {
            jdbc.setAutoCommit(false);
            jdbc.setTransactionIsolation(java.sql.Connection.TRANSACTION_REPEATABLE_READ);
            jdbc.setReadOnly(true);
            String snapshotId;
            Instant snapshotTime;
            String lsn;
            try (Statement st = jdbc.createStatement();
                    ResultSet rs = st.executeQuery(SNAPSHOT_QUERY)) {
                rs.next();
                snapshotId = rs.getString(1);
                snapshotTime = rs.getTimestamp(2).toInstant();
                lsn = rs.getString(3);
            }
            context.snapshotTaken(snapshotTime, lsn, snapshotId);
            LOG.infof("snapshot %s of %s at %s, LSN %s", snapshotId, db, snapshotTime, lsn);
            // While pg_dump streams, the reference keys and the census are read under the same snapshot, each in a
            // read-only session of its own (with its timeouts), never on this exporting connection.
            QueryLimits limits = QueryLimits.of(config);
            CompletableFuture<Long> references = referenceQuery == null
                    ? null
                    : CompletableFuture.supplyAsync(
                            () -> references(db, snapshotId, referenceQuery, referenceArtifact, limits),
                            REFERENCE_THREADS);
            CompletableFuture<Map<String, String>> census = censusArtifact == null
                    ? null
                    : (references == null ? CompletableFuture.completedFuture(0L) : references.exceptionally(e -> 0L))
                            .thenApplyAsync(
                                    ignored -> census(db, snapshotId, censusArtifact, limits), REFERENCE_THREADS);
            UploadResult upload = dump(db, snapshotId, artifact, context);
            Long referenceKeys = references == null ? null : join(references, db);
            Map<String, String> censusEvidence = census == null ? Map.of() : join(census, db, "the table census");
            jdbc.rollback();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            Map<String, String> evidence = new HashMap<>(Map.of(
                    EvidenceKeys.DATABASE, db.database(),
                    EvidenceKeys.SNAPSHOT_ID, snapshotId,
                    EvidenceKeys.SNAPSHOT_TIME, snapshotTime.toString(),
                    EvidenceKeys.LSN, lsn,
                    EvidenceKeys.PARTS, Integer.toString(upload.parts()),
                    EvidenceKeys.DURATION_MILLIS, Long.toString(millis)));
            evidence.put(EvidenceKeys.DUMP_ENDED_AT, upload.sourceEndedAt().toString());
            if (zstd()) {
                evidence.put(EvidenceKeys.CODEC, Compression.ZSTD);
            }
            evidence.putAll(censusEvidence);
            if (referenceKeys != null) {
                evidence.put(EvidenceKeys.REFERENCE_KEYS, Long.toString(referenceKeys));
                evidence.put(EvidenceKeys.REFERENCE_ARTIFACT, referenceArtifact);
            }
            return new StepResult(upload.bytes(), upload.sha256(), artifact, evidence);
        } catch (SQLException e) {
            throw new StepFailure(
                    "cannot snapshot " + db.describe() + ": " + Redactor.redact(e.getMessage(), db.secrets()));
        }
    }

    private Long references(Connection db, String snapshotId, String query, String artifact, QueryLimits limits) {
        try (ReadOnlySession session = ReadOnlySession.forQuery(db, limits, snapshotId)) {
            return ReferenceKeys.write(session, query, artifact, repository, REFERENCE_THREADS);
        } catch (StepFailure e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Takes the census under the snapshot, in a read-only session of its own, and stores it. */
    private Map<String, String> census(Connection db, String snapshotId, String censusArtifact, QueryLimits limits) {
        List<TableCensus.Table> tables;
        try (ReadOnlySession session = ReadOnlySession.forCensus(db, limits, snapshotId)) {
            try {
                tables = TableCensus.take(session.jdbc());
            } catch (SQLException e) {
                throw new IllegalStateException(session.reason(e), e);
            }
        } catch (StepFailure e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        UploadResult stored = repository.put(censusArtifact, TableCensus.encode(tables));
        return Map.of(
                EvidenceKeys.CENSUS_ARTIFACT,
                censusArtifact,
                EvidenceKeys.CENSUS_SHA256,
                stored.sha256(),
                EvidenceKeys.TABLES,
                Integer.toString(tables.size()),
                EvidenceKeys.ROWS,
                Long.toString(tables.stream().mapToLong(TableCensus.Table::rows).sum()));
    }

    private static <T> T join(CompletableFuture<T> work, Connection db) throws StepFailure {
        return join(work, db, "the reference query");
    }

    private static <T> T join(CompletableFuture<T> work, Connection db, String what) throws StepFailure {
        try {
            return work.join();
        } catch (java.util.concurrent.CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new StepFailure(
                    what + " of " + db.describe() + " failed: " + Redactor.redact(cause.getMessage(), db.secrets()));
        }
    }

    private UploadResult dump(Connection db, String snapshotId, String artifact, StepContext context)
            throws StepFailure {
        Path passFile = db.writePassFile();
        List<String> command = new ArrayList<>();
        command.add(tools.pgDump());
        command.add("--format=custom");
        boolean zstd = zstd();
        if (zstd) {
            command.add("--compress=0");
        }
        command.add("--snapshot=" + snapshotId);
        if (config.lockWaitTimeout().toMillis() > 0) {
            command.add("--lock-wait-timeout=" + config.lockWaitTimeout().toMillis() + "ms");
        }
        command.addAll(db.libpqArguments());
        command.add(db.database());
        try (ChildProcess pgDump = ChildProcess.start(command, db.libpqEnvironment(passFile), db.secrets())) {
            context.onCancel(pgDump::kill);
            InputStream archive = zstd
                    ? Compression.compressing(
                            pgDump.stdout(), config.compression().level(), workers())
                    : pgDump.stdout();
            return repository.upload(artifact, archive, new UploadHooks() {
                @Override
                public void progress(long bytesSoFar) {
                    context.progress(bytesSoFar, 0);
                }

                @Override
                public void beforeComplete() throws Exception {
                    int exit = pgDump.waitFor(10, TimeUnit.MINUTES);
                    if (exit != 0) {
                        throw new StepFailure(pgDump.failureReason(exit));
                    }
                }
            });
        } catch (RepositoryException e) {
            throw new StepFailure(
                    "dump of " + db.describe() + " failed: " + Redactor.redact(e.getMessage(), db.secrets()));
        } catch (IOException e) {
            throw new StepFailure(Redactor.redact(e.getMessage(), db.secrets()));
        } finally {
            deleteQuietly(passFile);
        }
    }

    private boolean zstd() {
        String codec = config.compression().codec();
        if (codec.equals(Compression.ZSTD)) {
            return true;
        }
        if (codec.equals("pg_dump")) {
            return false;
        }
        throw new IllegalStateException(
                "lockstep.postgres.compression.codec must be zstd or pg_dump, not '" + codec + "'");
    }

    private int workers() {
        int workers = config.compression().workers();
        return workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
    }

    public static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warnf("could not delete %s: %s", file, e.getMessage());
        }
    }
}
