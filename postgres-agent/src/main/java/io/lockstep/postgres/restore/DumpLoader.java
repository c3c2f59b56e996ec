package io.lockstep.postgres.restore;

import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.config.AgentConfig;
import io.lockstep.agent.core.process.ChildProcess;
import io.lockstep.agent.core.process.Redactor;
import io.lockstep.postgres.backup.PostgresBackup;
import io.lockstep.postgres.client.Connection;
import io.lockstep.postgres.client.PostgresTools;
import io.lockstep.postgres.config.PostgresAgentConfig;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.Compression;
import io.lockstep.repository.IntegrityException;
import io.lockstep.repository.RepositoryException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Loads a dump from the repository into a scratch database with pg_restore ({@code lockstep.postgres.restore.jobs}):
 * <ul>
 * <li>1: the artifact streams, its SHA-256 checked on the way, into {@code pg_restore --single-transaction} (no file);
 * <li>N &gt; 1: parallel pg_restore cannot read stdin, so the artifact is first spooled, hash-checked, decrypted and
 * decompressed, to a 0600 file in the spool directory (its free space checked before and while writing), then
 * restored with {@code pg_restore --jobs=N}. pg_restore only ever sees a dump whose hash matched. The spool file is
 * deleted when the load ends, however it ends; one a killed agent left is deleted at its next start ({@link #sweep}).
 * </ul>
 * Either way a failure leaves a half-filled scratch database, which the caller drops; the live one is never touched.
 */
@ApplicationScoped
public class DumpLoader {

    private static final Logger LOG = Logger.getLogger(DumpLoader.class);
    /** How often, in bytes written, the spool checks the free space left. */
    static final long CHECK_EVERY = 16 * RestoreSpool.MIB;

    private final BackupRepository repository;
    private final PostgresTools tools;
    private final PostgresAgentConfig config;
    private final AgentConfig agent;

    @Inject
    public DumpLoader(BackupRepository repository, PostgresTools tools, PostgresAgentConfig config, AgentConfig agent) {
        this.repository = repository;
        this.tools = tools;
        this.config = config;
        this.agent = agent;
    }

    /** Loads {@code artifact} into {@code db}; returns the bytes of the dump (after decompression) restored. */
    long load(Connection db, String artifact, String expectedSha256, String step, StepContext context)
            throws StepFailure {
        int jobs = RestoreSpool.jobs(config.restore().jobs());
        Path passFile = db.writePassFile();
        try {
            return jobs == 1
                    ? stream(db, passFile, artifact, expectedSha256, context)
                    : spooled(db, passFile, artifact, expectedSha256, step, jobs, context);
        } catch (RepositoryException e) {
            throw new StepFailure(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailure("the restore of " + artifact + " was interrupted");
        } finally {
            PostgresBackup.deleteQuietly(passFile);
        }
    }

    private long stream(Connection db, Path passFile, String artifact, String expectedSha256, StepContext context)
            throws StepFailure, InterruptedException {
        long bytes = 0;
        try (InputStream in = repository.openVerified(artifact, expectedSha256);
                ChildProcess pgRestore = ChildProcess.start(
                        RestoreSpool.streaming(tools.pgRestore(), db.database(), db.libpqArguments()),
                        db.libpqEnvironment(passFile),
                        db.secrets())) {
            context.onCancel(pgRestore::kill);
            OutputStream toRestore = pgRestore.stdin();
            byte[] buffer = new byte[64 * 1024];
            int n;
            try {
                InputStream archive = Compression.decoding(in);
                while ((n = archive.read(buffer)) >= 0) {
                    toRestore.write(buffer, 0, n);
                    bytes += n;
                    context.progress(bytes, 0);
                }
                in.transferTo(OutputStream.nullOutputStream()); // to the stored stream's end: its hash is checked
            } catch (IntegrityException e) {
                pgRestore.kill();
                throw new StepFailure(e.getMessage() + "; nothing was replaced");
            } catch (IOException e) {
                int exit = pgRestore.waitFor(1, TimeUnit.MINUTES);
                throw new StepFailure("pg_restore stopped reading " + artifact + ": " + pgRestore.failureReason(exit));
            }
            toRestore.close();
            int exit = pgRestore.waitFor(6, TimeUnit.HOURS);
            if (exit != 0) {
                throw new StepFailure("pg_restore of " + artifact + " into " + db.database() + " failed, nothing was "
                        + "replaced: " + pgRestore.failureReason(exit));
            }
            return bytes;
        } catch (IOException e) {
            throw new StepFailure(
                    "restore of " + artifact + " failed: " + Redactor.redact(e.getMessage(), db.secrets()));
        }
    }

    private long spooled(
            Connection db,
            Path passFile,
            String artifact,
            String expectedSha256,
            String step,
            int jobs,
            StepContext context)
            throws StepFailure, InterruptedException {
        Path dir = spoolDir();
        long reserve = config.restore().spoolReserveMib() * RestoreSpool.MIB;
        String shortage = RestoreSpool.shortage(dir, usable(dir), storedBytes(artifact), reserve);
        if (shortage != null) {
            throw new StepFailure(shortage + "; nothing was replaced");
        }
        Path spool = dir.resolve(RestoreSpool.fileName(agent.id(), step));
        try {
            long started = System.nanoTime();
            long bytes = spool(artifact, expectedSha256, spool, reserve, context);
            int offsets = offsets(spool);
            long spooled = System.nanoTime();
            if (context.cancelled()) {
                throw new StepFailure("the restore was cancelled: " + context.cancelReason());
            }
            try (ChildProcess pgRestore = ChildProcess.start(
                    RestoreSpool.parallel(tools.pgRestore(), jobs, db.database(), db.libpqArguments(), spool),
                    db.libpqEnvironment(passFile),
                    db.secrets())) {
                context.onCancel(pgRestore::kill);
                pgRestore.stdin().close();
                int exit = pgRestore.waitFor(6, TimeUnit.HOURS);
                if (context.cancelled()) {
                    throw new StepFailure("the restore was cancelled: " + context.cancelReason());
                }
                if (exit != 0) {
                    throw new StepFailure("pg_restore --jobs=" + jobs + " of " + artifact + " into " + db.database()
                            + " failed, nothing was replaced: " + pgRestore.failureReason(exit));
                }
                LOG.infof(
                        "restore of %s: %s spooled (%d data offsets written) in %d ms, pg_restore --jobs=%d took %d ms",
                        artifact,
                        RestoreSpool.mib(bytes),
                        offsets,
                        TimeUnit.NANOSECONDS.toMillis(spooled - started),
                        jobs,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - spooled));
            } catch (IOException e) {
                throw new StepFailure(
                        "restore of " + artifact + " failed: " + Redactor.redact(e.getMessage(), db.secrets()));
            }
            return bytes;
        } finally {
            PostgresBackup.deleteQuietly(spool);
        }
    }

    /** Writes the verified plaintext dump to {@code spool}; returns its size. */
    private long spool(String artifact, String expectedSha256, Path spool, long reserve, StepContext context)
            throws StepFailure {
        long bytes = 0;
        long nextCheck = CHECK_EVERY;
        try (InputStream in = repository.openVerified(artifact, expectedSha256);
                OutputStream out = create(spool)) {
            InputStream archive = Compression.decoding(in);
            byte[] buffer = new byte[256 * 1024];
            int n;
            while ((n = archive.read(buffer)) >= 0) {
                if (context.cancelled()) {
                    throw new StepFailure("the restore was cancelled: " + context.cancelReason());
                }
                try {
                    out.write(buffer, 0, n);
                } catch (IOException e) {
                    throw new StepFailure("cannot write the restore spool file " + spool + " after "
                            + RestoreSpool.mib(bytes) + ": " + e.getMessage() + "; nothing was replaced");
                }
                bytes += n;
                context.progress(bytes, 0);
                if (bytes >= nextCheck) {
                    nextCheck += CHECK_EVERY;
                    String shortage = RestoreSpool.shortage(spool.getParent(), usable(spool.getParent()), 0, reserve);
                    if (shortage != null) {
                        throw new StepFailure(shortage + " (after " + RestoreSpool.mib(bytes) + " of the dump were "
                                + "spooled); nothing was replaced");
                    }
                }
            }
            in.transferTo(OutputStream.nullOutputStream()); // to the stored stream's end: its hash is checked
            return bytes;
        } catch (IntegrityException e) {
            throw new StepFailure(e.getMessage() + "; nothing was replaced");
        } catch (IOException e) {
            throw new StepFailure(
                    "spooling " + artifact + " to " + spool + " failed: " + e.getMessage() + "; nothing was replaced");
        }
    }

    /** Writes the data offsets into the spooled archive ({@link ArchiveOffsets}); without them it still restores. */
    private static int offsets(Path spool) {
        try {
            int filled = ArchiveOffsets.fill(spool);
            if (filled < 0) {
                LOG.infof(
                        "the spooled dump %s is no custom-format archive this agent indexes; restored as it is", spool);
            }
            return filled;
        } catch (IOException e) {
            LOG.warnf("could not write the data offsets into %s (restored without them): %s", spool, e.getMessage());
            return -1;
        }
    }

    /** A new file only the agent's user can read (the dump is plaintext); a leftover of the same step is replaced. */
    private static OutputStream create(Path spool) throws IOException {
        Files.deleteIfExists(spool);
        try {
            Files.createFile(spool, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(spool);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("the spool file " + spool + " appeared while it was being created", e);
        }
        return Files.newOutputStream(spool, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private Path spoolDir() throws StepFailure {
        Path dir = config.restore().spoolDir().orElseGet(() -> Path.of(System.getProperty("java.io.tmpdir")));
        if (!Files.isDirectory(dir)) {
            throw new StepFailure("the restore spool directory " + dir + " (lockstep.postgres.restore.spool-dir) "
                    + "does not exist or is no directory; nothing was replaced");
        }
        return dir;
    }

    private static long usable(Path dir) throws StepFailure {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw new StepFailure("cannot read the free space of the restore spool directory " + dir + ": "
                    + e.getMessage() + "; nothing was replaced");
        }
    }

    /** The artifact's stored size, a lower bound of the spool's (0 if the listing does not say). */
    private long storedBytes(String artifact) {
        return repository.list(artifact).getOrDefault(artifact, 0L);
    }

    /** Deletes the spool files a previous life of this agent left (it was killed in a restore); returns how many. */
    int sweep() {
        Path dir = config.restore().spoolDir().orElseGet(() -> Path.of(System.getProperty("java.io.tmpdir")));
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(
                dir, p -> RestoreSpool.isSpoolOf(agent.id(), p.getFileName().toString()))) {
            for (Path file : files) {
                if (Files.deleteIfExists(file)) {
                    LOG.warnf("deleted the restore spool file %s of an interrupted restore", file);
                    deleted++;
                }
            }
        } catch (IOException e) {
            LOG.warnf("could not sweep the restore spool directory %s: %s", dir, e.getMessage());
        }
        return deleted;
    }
}
