package io.lockstep.postgres.backup;

import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.process.ChildProcess;
import io.lockstep.agent.core.process.Redactor;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.RepositoryException;
import io.lockstep.repository.UploadHooks;
import io.lockstep.repository.UploadResult;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.concurrent.CompletableFuture;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Dumps one database under an exported snapshot and streams the archive into the repository:
 * <ol>
 * <li>a JDBC connection opens a {@code REPEATABLE READ} transaction and calls {@code pg_export_snapshot()};
 * <li>the snapshot's server time and WAL LSN are reported at once, before any byte of the dump;
 * <li>{@code pg_dump -Fc --snapshot=<id>} runs while that transaction holds the snapshot, and its stdout is
 * piped straight into a multipart upload. No temporary file, bounded memory.
 * </ol>
 * A non-zero exit of pg_dump aborts the upload, so a truncated archive never becomes an object.
 */
@ApplicationScoped
public class PostgresBackup {

    private static final Logger LOG = Logger.getLogger(PostgresBackup.class);
    private static final String SNAPSHOT_QUERY = "SELECT pg_export_snapshot(), clock_timestamp(), "
            + "CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text";

    /** Blocking work beside a dump (the reference query and its upload); never the common pool. */
    private static final java.util.concurrent.ExecutorService REFERENCE_THREADS =
            java.util.concurrent.Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "reference-keys");
                t.setDaemon(true);
                return t;
            });

    @Inject
    BackupRepository repository;
    @Inject
    PostgresTools tools;

    StepResult backup(Connection db, String artifact, StepContext context) throws StepFailure {
        return backup(db, artifact, null, null, context);
    }

    /**
     * As above; with a reference query, its keys are read under the same snapshot (in the exporting
     * transaction, while pg_dump streams) and stored sorted in {@code referenceArtifact}.
     */
    StepResult backup(Connection db, String artifact, String referenceQuery, String referenceArtifact,
            StepContext context) throws StepFailure {
        long started = System.nanoTime();
        try (java.sql.Connection jdbc = open(db)) {
            jdbc.setAutoCommit(false);
            jdbc.setTransactionIsolation(java.sql.Connection.TRANSACTION_REPEATABLE_READ);
            jdbc.setReadOnly(true);
            String snapshotId;
            Instant snapshotTime;
            String lsn;
            try (Statement st = jdbc.createStatement(); ResultSet rs = st.executeQuery(SNAPSHOT_QUERY)) {
                rs.next();
                snapshotId = rs.getString(1);
                snapshotTime = rs.getTimestamp(2).toInstant();
                lsn = rs.getString(3);
            }
            context.snapshotTaken(snapshotTime, lsn, snapshotId);
            LOG.infof("snapshot %s of %s at %s, LSN %s", snapshotId, db, snapshotTime, lsn);
            // The connection is idle while pg_dump streams: the reference keys are read on it meanwhile.
            CompletableFuture<Long> references = referenceQuery == null ? null
                    : CompletableFuture.supplyAsync(() -> ReferenceKeys.write(jdbc, referenceQuery, referenceArtifact,
                            repository, REFERENCE_THREADS), REFERENCE_THREADS);
            UploadResult upload = dump(db, snapshotId, artifact, context);
            Long referenceKeys = references == null ? null : join(references, db);
            jdbc.rollback();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            Map<String, String> evidence = new HashMap<>(Map.of(
                    "database", db.database(),
                    "snapshotId", snapshotId,
                    "snapshotTime", snapshotTime.toString(),
                    "lsn", lsn,
                    "parts", Integer.toString(upload.parts()),
                    "durationMillis", Long.toString(millis)));
            evidence.put("dumpEndedAt", upload.sourceEndedAt().toString());
            if (referenceKeys != null) {
                evidence.put("referenceKeys", Long.toString(referenceKeys));
                evidence.put("referenceArtifact", referenceArtifact);
            }
            return new StepResult(upload.bytes(), upload.sha256(), artifact, evidence);
        } catch (SQLException e) {
            throw new StepFailure("cannot snapshot " + db.describe() + ": " + Redactor.redact(e.getMessage(), db.secrets()));
        }
    }

    private static long join(CompletableFuture<Long> references, Connection db) throws StepFailure {
        try {
            return references.join();
        } catch (java.util.concurrent.CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new StepFailure("the reference query of " + db.describe() + " failed: "
                    + Redactor.redact(cause.getMessage(), db.secrets()));
        }
    }

    private java.sql.Connection open(Connection db) throws StepFailure {
        try {
            return DriverManager.getConnection(db.jdbcUrl(), db.jdbcProperties());
        } catch (SQLException e) {
            throw new StepFailure("cannot connect to " + db.describe() + ": " + Redactor.redact(e.getMessage(),
                    db.secrets()));
        }
    }

    private UploadResult dump(Connection db, String snapshotId, String artifact, StepContext context)
            throws StepFailure {
        Path passFile = db.writePassFile();
        List<String> command = new ArrayList<>();
        command.add(tools.pgDump());
        command.add("--format=custom");
        command.add("--snapshot=" + snapshotId);
        command.addAll(db.libpqArguments());
        command.add(db.database());
        try (ChildProcess pgDump = ChildProcess.start(command, db.libpqEnvironment(passFile), db.secrets())) {
            context.onCancel(pgDump::kill);
            return repository.upload(artifact, pgDump.stdout(), new UploadHooks() {
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
            throw new StepFailure("dump of " + db.describe() + " failed: " + Redactor.redact(e.getMessage(), db.secrets()));
        } catch (IOException e) {
            throw new StepFailure(Redactor.redact(e.getMessage(), db.secrets()));
        } finally {
            deleteQuietly(passFile);
        }
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warnf("could not delete %s: %s", file, e.getMessage());
        }
    }
}
