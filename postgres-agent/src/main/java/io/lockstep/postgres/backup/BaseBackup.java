package io.lockstep.postgres.backup;

import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.process.ChildProcess;
import io.lockstep.agent.core.process.Redactor;
import io.lockstep.postgres.client.Connection;
import io.lockstep.postgres.client.PostgresTools;
import io.lockstep.postgres.wal.WalArchive;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.Compression;
import io.lockstep.repository.RepositoryException;
import io.lockstep.repository.UploadHooks;
import io.lockstep.repository.UploadResult;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The physical base backup of a cluster with point-in-time recovery: {@code pg_basebackup -Ft -D - -X fetch} (one tar
 * on stdout, holding the WAL the copy needs to be consistent) streamed through zstd into the repository, encrypted and
 * hashed like a dump, and refused unless pg_basebackup exits 0. A logical dump cannot be replayed with WAL; this copy
 * can. The cluster must archive its WAL ({@link WalArchive}), or no point after the backup can be reached.
 */
@ApplicationScoped
public class BaseBackup {

    private static final Logger LOG = Logger.getLogger(BaseBackup.class);

    private final BackupRepository repository;
    private final PostgresTools tools;

    @Inject
    public BaseBackup(BackupRepository repository, PostgresTools tools) {
        this.repository = repository;
        this.tools = tools;
    }

    /** The base backup's artifact beside a dump artifact of the same store: {@code .../<store>/cluster.base.tar.zst}. */
    public static String artifactBeside(String dumpArtifact) {
        return dumpArtifact.substring(0, dumpArtifact.lastIndexOf('/') + 1) + "cluster.base.tar.zst";
    }

    /** Takes the base backup into {@code artifact}; returns the evidence to add to the step. */
    public Map<String, String> take(Connection db, String store, String artifact, StepContext context)
            throws StepFailure {
        String startLsn = archivingLsn(db);
        UploadResult upload = stream(db, artifact, context);
        try (java.sql.Connection jdbc = db.open();
                Statement st = jdbc.createStatement();
                ResultSet rs = st.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            String endedAt = rs.getTimestamp(1).toInstant().toString();
            LOG.infof(
                    "base backup of store %s: %d bytes, from LSN %s, consistent by %s",
                    store, upload.bytes(), startLsn, endedAt);
            return Map.of(
                    EvidenceKeys.BASE_BACKUP_ARTIFACT,
                    artifact,
                    EvidenceKeys.BASE_BACKUP_SHA256,
                    upload.sha256(),
                    EvidenceKeys.BASE_BACKUP_BYTES,
                    Long.toString(upload.bytes()),
                    EvidenceKeys.BASE_BACKUP_START_LSN,
                    startLsn,
                    EvidenceKeys.BASE_BACKUP_ENDED_AT,
                    endedAt,
                    EvidenceKeys.WAL_ARCHIVE,
                    WalArchive.prefix(store));
        } catch (SQLException e) {
            throw new StepFailure(
                    "base backup of " + db.describe() + ": " + Redactor.redact(e.getMessage(), db.secrets()));
        }
    }

    /** Checks that the cluster archives WAL, and returns its WAL position before the base backup starts. */
    private static String archivingLsn(Connection db) throws StepFailure {
        try (java.sql.Connection jdbc = db.open();
                Statement st = jdbc.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_setting('archive_mode'), current_setting('wal_level'), "
                        + "pg_current_wal_lsn()::text")) {
            rs.next();
            if ("off".equals(rs.getString(1)) || "minimal".equals(rs.getString(2))) {
                throw new StepFailure("store of " + db.describe() + " has point-in-time recovery on, but the cluster"
                        + " runs with archive_mode=" + rs.getString(1) + ", wal_level=" + rs.getString(2)
                        + ": set archive_mode=on, wal_level=replica and an archive_command calling WalArchiveCli push");
            }
            return rs.getString(3);
        } catch (SQLException e) {
            throw new StepFailure(
                    "base backup of " + db.describe() + ": " + Redactor.redact(e.getMessage(), db.secrets()));
        }
    }

    private UploadResult stream(Connection db, String artifact, StepContext context) throws StepFailure {
        Path passFile = db.writePassFile();
        List<String> command = new ArrayList<>();
        command.add(tools.program("pg_basebackup"));
        command.addAll(List.of("--pgdata=-", "--format=tar", "--wal-method=fetch", "--checkpoint=fast"));
        command.addAll(db.libpqArguments());
        try (ChildProcess pg = ChildProcess.start(command, db.libpqEnvironment(passFile), db.secrets())) {
            context.onCancel(pg::kill);
            return repository.upload(artifact, Compression.compressing(pg.stdout(), 3, 0), new UploadHooks() {
                @Override
                public void progress(long bytesSoFar) {
                    context.progress(bytesSoFar, 0);
                }

                @Override
                public void beforeComplete() throws Exception {
                    int exit = pg.waitFor(30, TimeUnit.MINUTES);
                    if (exit != 0) {
                        throw new StepFailure(pg.failureReason(exit));
                    }
                }
            });
        } catch (RepositoryException e) {
            throw new StepFailure(
                    "base backup of " + db.describe() + " failed: " + Redactor.redact(e.getMessage(), db.secrets()));
        } catch (IOException e) {
            throw new StepFailure(Redactor.redact(e.getMessage(), db.secrets()));
        } finally {
            PostgresBackup.deleteQuietly(passFile);
        }
    }
}
