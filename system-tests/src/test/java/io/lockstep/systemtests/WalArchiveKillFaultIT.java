package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.systemtests.support.ArchivingCluster;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.Repository;
import io.lockstep.systemtests.support.ServiceProcess;
import io.lockstep.systemtests.support.TcpCut;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL's archive command ({@code WalArchiveCli push}) is killed with {@code kill -9} in the middle of a WAL
 * segment's multipart upload (its path to the repository held after the first part, so the kill lands mid-upload
 * every time). What must survive: the archive holds no record and no segment for that name, so PostgreSQL's retry is
 * the only way it gets in; the store's postgres-agent aborts the upload the dead process left open; the retried push
 * succeeds and the segment fetches back byte for byte.
 */
class WalArchiveKillFaultIT {

    static final String SEGMENT = "000000010000000000000042";

    static Lockstep lockstep;
    static TcpCut path;
    static ServiceProcess agent;
    static String store;
    static Path work;

    @BeforeAll
    static void setUp() throws Exception {
        lockstep = Lockstep.get();
        store = "it" + lockstep.id + "-walkill";
        work = lockstep.workDirectory("wal-kill").toAbsolutePath();
        path = new TcpCut(9000);
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (agent != null) {
                agent.stop();
                lockstep.api.delete("/api/v1/agents/" + agentId());
            }
        } finally {
            if (path != null) {
                path.close();
            }
        }
    }

    @Test
    void aKilledArchiveCommandLeavesNothingArchivedAndItsUploadIsAbortedByTheAgent() throws Exception {
        byte[] segment = new byte[16 * 1024 * 1024]; // incompressible: a multipart upload of four 5 MiB parts
        new Random(42).nextBytes(segment);
        Path file = Files.write(work.resolve(SEGMENT), segment);
        String walPrefix = lockstep.objectPrefix() + "wal/" + store + "/";

        path.holdAfter(5 * 1024 * 1024 + 256 * 1024); // the record's HEAD, the upload's start, one part, then nothing
        Cli push = cli("push", settings("http://127.0.0.1:" + path.port()).toString(), file.toString(), SEGMENT);
        Awaitility.await("the archive command's upload is open")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> !Repository.openUploads(walPrefix).isEmpty());

        push.process().destroyForcibly(); // SIGKILL, mid-upload
        assertTrue(push.process().waitFor(30, TimeUnit.SECONDS), "the archive command is gone");
        path.release();

        assertEquals(1, Repository.openUploads(walPrefix).size(), "the dead process left its upload open");
        assertEquals(List.of(), Repository.keys(walPrefix + SEGMENT), "nothing is archived: no segment, no record");

        // The store's agent (a new process: the upload began before it started) sweeps what the dead one left.
        Map<String, String> config = lockstep.repositoryConfig(agentId());
        Lockstep.store(config, store, Lockstep.APP_PG_PASSWORD, lockstep.ordersDb);
        config.put("lockstep.agent.sweep-delay", "1s");
        agent = ServiceProcess.start(
                "postgres-agent-walkill",
                Lockstep.jar("postgres-agent"),
                lockstep.workDirectory("postgres-agent-walkill"),
                Lockstep.freePort(),
                config);
        Awaitility.await("the agent aborts the dead archive command's upload")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> Repository.openUploads(walPrefix).isEmpty());
        assertTrue(agent.occurrences("aborted stale multipart upload of") > 0, agent::tail);

        // PostgreSQL retries the archive command: it succeeds, and the segment comes back whole.
        Cli retry = cli("push", settings(Lockstep.S3_ENDPOINT).toString(), file.toString(), SEGMENT);
        assertEquals(0, retry.exitCode(), retry::output);
        assertEquals(
                List.of(walPrefix + SEGMENT + ".sha256", walPrefix + SEGMENT + ".zst"),
                Repository.keys(walPrefix + SEGMENT).stream().sorted().toList(),
                "the segment and its record");
        Path fetched = work.resolve("fetched");
        Cli fetch = cli("fetch", settings(Lockstep.S3_ENDPOINT).toString(), SEGMENT, fetched.toString());
        assertEquals(0, fetch.exitCode(), fetch::output);
        assertArrayEquals(segment, Files.readAllBytes(fetched), "the archived segment is the file, byte for byte");
    }

    static String agentId() {
        return "it-walkill-" + lockstep.id;
    }

    /** The archive command's settings file, reaching the repository at {@code endpoint}. */
    static Path settings(String endpoint) throws Exception {
        Map<String, String> repository = lockstep.repositoryConfig(agentId());
        repository.put("lockstep.repository.endpoint", endpoint);
        return ArchivingCluster.writeSettings(
                work.resolve("wal-" + Math.abs(endpoint.hashCode()) + ".properties"),
                store,
                repository,
                Lockstep.KEYSET);
    }

    /** A run of the archive command and its output. */
    record Cli(Process process, Path log) {
        int exitCode() throws InterruptedException {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the archive command ended");
            return process.exitValue();
        }

        String output() {
            try {
                return Files.readString(log);
            } catch (java.io.IOException e) {
                return "(no output: " + e.getMessage() + ")";
            }
        }
    }

    private static int runs;

    /** {@code WalArchiveCli} as PostgreSQL starts it: a JVM of its own on the postgres-agent's classpath. */
    static Cli cli(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-cp",
                ArchivingCluster.cliClasspath(),
                "io.lockstep.postgres.wal.WalArchiveCli"));
        command.addAll(List.of(args));
        Path log = work.resolve("cli-" + (++runs) + "-" + args[0] + ".log");
        return new Cli(
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start(),
                log);
    }
}
