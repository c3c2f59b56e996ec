package io.lockstep.systemtests.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL cluster of its own, under a test's work directory, that archives its WAL into the build's backup
 * repository with the postgres-agent's {@code WalArchiveCli} (wal_level=replica, archive_mode=on), as
 * docs/operating.md describes for point-in-time recovery. Run as the postgres OS user when the tests run as root.
 */
public final class ArchivingCluster implements AutoCloseable {

    public static final String USER = "lockstep";
    public static final String PASSWORD = "lockstep-pitr-secret";
    public static final String BIN = System.getProperty("lockstep.pg.bin", "/usr/lib/postgresql/15/bin");

    public final Path dir;
    public final Path data;
    public final int port;

    private ArchivingCluster(Path dir, int port) {
        this.dir = dir;
        this.data = dir.resolve("data");
        this.port = port;
    }

    /**
     * Creates and starts a cluster whose archive_command pushes into {@code store}'s WAL archive of the repository
     * {@code repository} describes (the agent's {@code lockstep.repository.*} settings, read from a 0600 file).
     */
    public static ArchivingCluster start(Path dir, String store, Map<String, String> repository, String keyset)
            throws IOException, InterruptedException {
        ArchivingCluster cluster = new ArchivingCluster(dir, Lockstep.freePort());
        Files.createDirectories(dir);
        Path pwfile = dir.resolve("pwfile");
        Files.writeString(pwfile, PASSWORD + "\n");
        Path settings = writeSettings(dir.resolve("wal.properties"), store, repository, keyset);
        chownToPostgres(dir);
        run(asPostgres(
                BIN + "/initdb",
                "-D",
                cluster.data.toString(),
                "-U",
                USER,
                "--pwfile=" + pwfile,
                "--auth-host=scram-sha-256",
                "--auth-local=scram-sha-256",
                "-E",
                "UTF8"));
        Files.delete(pwfile);
        String classpath = cliClasspath();
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(
                cluster.data.resolve("postgresql.auto.conf"),
                "wal_level = replica\n"
                        + "archive_mode = on\n"
                        + "archive_command = '" + javaBin
                        + " -Xmx64m -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp \"" + classpath
                        + "\" io.lockstep.postgres.wal.WalArchiveCli push " + settings + " %p %f'\n",
                java.nio.file.StandardOpenOption.APPEND);
        run(asPostgres(
                BIN + "/pg_ctl",
                "-D",
                cluster.data.toString(),
                "-l",
                dir.resolve("postgres.log").toString(),
                "-w",
                "-t",
                "60",
                "-o",
                "-p " + cluster.port + " -c listen_addresses=127.0.0.1" + " -c unix_socket_directories=" + dir
                        + " -c fsync=off",
                "start"));
        return cluster;
    }

    /**
     * Writes the WAL archive command's settings file (0600), as a PostgreSQL host holds it: {@code store}, and the
     * repository that the agent settings {@code repository} ({@code lockstep.repository.*}) describe.
     */
    public static Path writeSettings(Path settings, String store, Map<String, String> repository, String keyset)
            throws IOException {
        StringBuilder s = new StringBuilder("store=" + store + "\n");
        for (String key : List.of("bucket", "prefix", "endpoint", "access-key-id", "secret-access-key")) {
            s.append(key)
                    .append('=')
                    .append(repository.get("lockstep.repository." + key))
                    .append('\n');
        }
        s.append("encryption.enabled=")
                .append(repository.get("lockstep.repository.encryption.enabled"))
                .append('\n');
        s.append("encryption.keyset=").append(keyset.replace("\n", "")).append('\n');
        Files.deleteIfExists(settings);
        Files.createFile(settings, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(settings, s);
        return settings;
    }

    /** The classpath {@code WalArchiveCli} runs on: the packaged postgres-agent's jars. */
    public static String cliClasspath() {
        Path agent = Path.of(System.getProperty("lockstep.repo.dir", ".."))
                .resolve("postgres-agent/target/quarkus-app")
                .toAbsolutePath()
                .normalize();
        return agent.resolve("app") + "/*:" + agent.resolve("lib/main") + "/*:" + agent.resolve("lib/boot") + "/*";
    }

    public Connection connect(String database) throws SQLException {
        return connect(port, database);
    }

    /** A connection to a cluster of this one's kind (a copy recovered from it) on {@code port}. */
    public static Connection connect(int port, String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, USER, PASSWORD);
    }

    /** Stops the PostgreSQL server of a data directory (this cluster, or one recovered from it), fast. */
    public static void stop(Path data) {
        try {
            run(asPostgres(BIN + "/pg_ctl", "-D", data.toString(), "-m", "fast", "-w", "stop"));
        } catch (IOException | InterruptedException | AssertionError e) {
            System.err.println("could not stop the cluster in " + data + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        stop(data);
    }

    public static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Gives a directory to the postgres OS user when the tests run as root (PostgreSQL refuses to run as root). */
    public static void chownToPostgres(Path dir) throws IOException, InterruptedException {
        if (root()) {
            run(List.of("chown", "-R", "postgres:", dir.toString()));
        }
    }

    private static List<String> asPostgres(String... command) {
        List<String> full = new ArrayList<>();
        if (root()) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(List.of(command));
        return full;
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError(command.get(root() ? 4 : 0) + " failed: " + new String(output));
        }
    }
}
