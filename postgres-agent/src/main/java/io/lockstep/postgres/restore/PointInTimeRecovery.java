package io.lockstep.postgres.restore;

import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.process.ChildProcess;
import io.lockstep.postgres.client.Connection;
import io.lockstep.postgres.client.PostgresTools;
import io.lockstep.postgres.config.PostgresAgentConfig;
import io.lockstep.postgres.wal.WalArchive;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.protocol.WalNames;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.Compression;
import io.lockstep.repository.RepositoryException;
import io.lockstep.repository.VerifiedInputStream;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Point-in-time recovery of a whole cluster into a new one, never touching the source:
 * <ol>
 * <li>the base backup is streamed from the repository (its SHA-256 checked, decrypted, decompressed) into
 * {@code tar -x} in a new data directory;
 * <li>the archived WAL from the base backup's start on is fetched and checked ({@link WalArchive#fetch}) into a
 * directory beside it, so the server's {@code restore_command} is a plain {@code cp} and no repository secret is
 * written for it;
 * <li>{@code recovery.signal} and the recovery settings ({@code recovery_target_time},
 * {@code recovery_target_action=promote}, a free port on 127.0.0.1 and no Unix socket, {@code archive_mode=off}) are written and the
 * server is started with the agent's {@code pg_ctl};
 * <li>the step succeeds once the server has replayed to the target and promoted; its evidence says where it runs.
 * </ol>
 * The recovered cluster keeps running for the operator, who stops it ({@code pg_ctl -D DIR stop}) and deletes the
 * directory when done. A target after the last archived WAL fails the step (PostgreSQL stops before the target).
 */
@ApplicationScoped
public class PointInTimeRecovery {

    private static final Logger LOG = Logger.getLogger(PointInTimeRecovery.class);
    private static final DateTimeFormatter TARGET =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS'+00'").withZone(ZoneOffset.UTC);

    private final BackupRepository repository;
    private final PostgresAgentConfig config;
    private final PostgresTools tools;

    @Inject
    public PointInTimeRecovery(BackupRepository repository, PostgresAgentConfig config, PostgresTools tools) {
        this.repository = repository;
        this.config = config;
        this.tools = tools;
    }

    /** Recovers store {@code store}'s cluster from {@code baseArtifact} to {@code target}. */
    public StepResult recover(
            Connection source,
            String store,
            String baseArtifact,
            String baseSha256,
            String startLsn,
            Instant target,
            UUID stepId,
            StepContext context)
            throws StepFailure {
        PostgresAgentConfig.Recovery settings = config.recovery();
        Path root = settings.dir().orElse(Path.of(System.getProperty("java.io.tmpdir")));
        Path dir =
                root.resolve("lockstep-pitr-" + store + "-" + stepId.toString().substring(0, 8));
        Path data = dir.resolve("data");
        Path wal = dir.resolve("wal");
        try {
            Files.createDirectories(root);
            Files.createDirectory(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.createDirectory(
                    data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.createDirectory(wal);
            long bytes = extract(baseArtifact, baseSha256, data, context);
            int walFiles = fetchWal(store, startLsn, wal);
            int port = freePort();
            writeRecoverySettings(data, wal, target, port);
            if (settings.runAs().isPresent()) {
                run(List.of("chown", "-R", settings.runAs().get() + ":", dir.toString()), "chown");
            }
            Path log = dir.resolve("postgres.log");
            try {
                run(
                        asOwner(List.of(
                                tools.program("pg_ctl"),
                                "--pgdata=" + data,
                                "--log=" + log,
                                "--wait",
                                "--timeout=" + settings.timeout().toSeconds(),
                                "start")),
                        "pg_ctl start");
            } catch (StepFailure e) {
                throw new StepFailure(e.getMessage() + "; the server said: " + lastFatal(log) + " (" + log + ")");
            }
            awaitPromoted(source, port, data, log, settings.timeout().toMillis());
            LOG.infof("recovered store %s to %s: 127.0.0.1:%d, data directory %s", store, target, port, data);
            Map<String, String> evidence = new HashMap<>();
            evidence.put(EvidenceKeys.RECOVERED_HOST, "127.0.0.1");
            evidence.put(EvidenceKeys.RECOVERED_PORT, Integer.toString(port));
            evidence.put(EvidenceKeys.RECOVERED_DATA_DIR, data.toString());
            evidence.put(EvidenceKeys.RECOVERY_TARGET_TIME, target.toString());
            evidence.put(EvidenceKeys.WAL_FILES, Integer.toString(walFiles));
            evidence.put(EvidenceKeys.DATABASE, source.database());
            return new StepResult(bytes, baseSha256, baseArtifact, evidence);
        } catch (IOException | RepositoryException e) {
            throw new StepFailure(
                    "point-in-time recovery of store " + store + " into " + dir + " failed: " + e.getMessage());
        }
    }

    private long extract(String artifact, String sha256, Path data, StepContext context)
            throws IOException, StepFailure {
        try (ChildProcess tar = ChildProcess.start(List.of("tar", "-x", "-C", data.toString()), Map.of(), List.of());
                VerifiedInputStream stored = repository.openVerified(artifact, sha256)) {
            context.onCancel(tar::kill);
            try (InputStream plain = Compression.decoding(stored);
                    OutputStream in = tar.stdin()) {
                plain.transferTo(in);
            }
            stored.storedSha256(); // throws unless the stored bytes had the recorded hash
            int exit = tar.waitFor(10, TimeUnit.MINUTES);
            if (exit != 0) {
                throw new StepFailure("extracting the base backup failed: " + tar.failureReason(exit));
            }
            return stored.storedBytes();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailure("interrupted while extracting the base backup");
        }
    }

    /** Fetches the archived WAL from the segment holding {@code startLsn} on, and every timeline history file. */
    private int fetchWal(String store, String startLsn, Path wal) throws IOException {
        WalArchive archive = new WalArchive(repository, store);
        String first = WalNames.segmentPosition(startLsn);
        int fetched = 0;
        for (String name : archive.names()) {
            boolean history = name.endsWith(".history");
            boolean segment = name.length() == 24;
            if (history || segment && WalNames.position(name).orElseThrow().compareTo(first) >= 0) {
                archive.fetch(name, wal.resolve(name));
                fetched++;
            }
        }
        return fetched;
    }

    private static void writeRecoverySettings(Path data, Path wal, Instant target, int port) throws IOException {
        Files.writeString(data.resolve("recovery.signal"), "");
        String settings = "\n# written by Lockstep for a point-in-time recovery\n"
                + "restore_command = 'cp \"" + wal + "/%f\" \"%p\"'\n"
                + "recovery_target_time = '" + TARGET.format(target) + "'\n"
                + "recovery_target_action = 'promote'\n"
                + "recovery_target_inclusive = on\n"
                + "archive_mode = 'off'\n"
                + "port = " + port + "\n"
                + "listen_addresses = '127.0.0.1'\n"
                // TCP only: a socket path under a deep recovery directory can pass the 107-byte limit
                + "unix_socket_directories = ''\n";
        Files.writeString(
                data.resolve("postgresql.auto.conf"),
                settings,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /**
     * The server log's last FATAL line (why recovery stopped), or a pointer to the log. Lines in which the server only
     * refused a client ("the database system is in recovery mode", "... is shutting down": this agent's own poll while
     * the server went down) are passed over when a line with the server's own reason exists.
     */
    static String lastFatal(Path log) {
        String reason = null;
        String refusal = null;
        try (java.util.stream.Stream<String> lines = Files.lines(log)) {
            for (String line : (Iterable<String>) lines::iterator) {
                int at = line.indexOf("FATAL:");
                if (at < 0) {
                    continue;
                }
                String text = line.substring(at + "FATAL:".length()).strip();
                if (text.startsWith("the database system is ")) {
                    refusal = text;
                } else {
                    reason = text;
                }
            }
            return reason != null ? reason : refusal != null ? refusal : "no FATAL line in its log";
        } catch (IOException | java.io.UncheckedIOException e) {
            return "its log is unreadable: " + e.getMessage();
        }
    }

    /**
     * Waits until the server left recovery. pg_ctl returns once a hot standby takes connections, before the target is
     * reached, so a recovery that stops short (a target past the archived WAL) ends the server afterwards: that fails
     * the step at once, with the server's reason.
     */
    private void awaitPromoted(Connection source, int port, Path data, Path log, long timeoutMillis)
            throws StepFailure {
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/" + source.database();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        String last = "no answer";
        while (System.currentTimeMillis() < deadline) {
            if (!Files.exists(data.resolve("postmaster.pid"))) {
                throw new StepFailure("the recovered cluster on port " + port + " stopped before it promoted: "
                        + lastFatal(log) + " (" + log + ")");
            }
            try (java.sql.Connection c = DriverManager.getConnection(url, source.jdbcProperties());
                    ResultSet rs = c.createStatement().executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return;
                }
                last = "still in recovery";
            } catch (SQLException e) {
                last = e.getMessage();
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StepFailure("interrupted while waiting for the recovered cluster");
            }
        }
        throw new StepFailure("the recovered cluster on port " + port + " did not promote in time: "
                + io.lockstep.agent.core.process.Redactor.redact(last, source.secrets()));
    }

    private List<String> asOwner(List<String> command) {
        List<String> full = new ArrayList<>();
        config.recovery().runAs().ifPresent(user -> full.addAll(List.of("runuser", "-u", user, "--")));
        full.addAll(command);
        return full;
    }

    private static void run(List<String> command, String what) throws IOException, StepFailure {
        try (ChildProcess p = ChildProcess.start(command, Map.of(), List.of())) {
            int exit = p.waitFor(15, TimeUnit.MINUTES);
            if (exit != 0) {
                throw new StepFailure(what + " failed: " + p.failureReason(exit));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailure("interrupted: " + what);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
