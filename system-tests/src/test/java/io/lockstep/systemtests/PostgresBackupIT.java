package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.Repository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PostgreSQL backups end to end: API, Kafka, the postgres-agent, pg_dump, S3, verification. */
class PostgresBackupIT {

    static Lockstep lockstep;

    @BeforeAll
    static void setUp() throws Exception {
        lockstep = Lockstep.get();
        AppDatabase.recreate(lockstep.ordersDb);
        AppDatabase.fillShop(lockstep.ordersDb, 10_000);
        AppDatabase.recreate(lockstep.genomicDb);
        AppDatabase.fillShop(lockstep.genomicDb, 3_000);
        AppDatabase.recreate(lockstep.clinicalDb);
        AppDatabase.fillShop(lockstep.clinicalDb, 1_500);
        for (String store : List.of(
                lockstep.singleStore, lockstep.doubleStore, lockstep.badPasswordStore, lockstep.missingDbStore)) {
            lockstep.api.awaitStoreLive(store);
        }
    }

    @AfterAll
    static void dropDatabases() throws Exception {
        for (String db :
                List.of(lockstep.ordersDb, lockstep.genomicDb, lockstep.clinicalDb, lockstep.ordersDb + "_restored")) {
            AppDatabase.drop(db);
        }
    }

    @Test
    void backupOfADatabaseReachesConsistentAndItsDumpRestoresTheSameRows() throws Exception {
        String plan = "it" + lockstep.id + "-orders";
        lockstep.api.putPlan(plan, "{\"stores\": [\"" + lockstep.singleStore + "\"]}");

        String runId = lockstep.api.startBackup(plan);
        JsonNode run = lockstep.api.awaitEnd(runId);

        assertEquals("CONSISTENT", run.path("state").asText(), () -> "run: " + run.toPrettyString());
        JsonNode dump = step(run, "BACKUP", lockstep.ordersDb);
        String key = "runs/" + plan + "/" + runId + "/" + lockstep.singleStore + "/" + lockstep.ordersDb + ".dump";
        assertEquals(key, dump.path("artifact").asText());
        assertEquals(
                run.path("consistencyPoint").asText(),
                dump.path("evidence").path("snapshotTime").asText(),
                "the consistency point is the SQL snapshot's time");
        assertFalse(dump.path("evidence").path("lsn").asText().isEmpty(), "the snapshot's LSN is recorded");
        assertTrue(dump.path("bytes").asLong() > 0);
        assertEquals(dump.path("bytes").asLong(), run.path("bytes").asLong());

        String sha = dump.path("sha256").asText();
        assertEquals(
                sha, Repository.sha256(lockstep.objectPrefix() + key), "the stored object has the reported SHA-256");
        JsonNode verify = step(run, "VERIFY", lockstep.ordersDb);
        assertEquals("SUCCEEDED", verify.path("state").asText());
        assertEquals(sha, verify.path("sha256").asText());
        assertTrue(verify.path("evidence").path("tocEntries").asInt() > 0, "pg_restore --list parsed the archive");

        assertEquals("zstd", dump.path("evidence").path("codec").asText(), "the agent compressed the dump");
        Path stored = Repository.download(lockstep.objectPrefix() + key, Files.createTempFile("lockstep-it", ".zst"));
        Path file = unzstd(stored); // the standard zstd tool reads the artifact: no Lockstep needed to restore it
        Files.delete(stored);
        String restored = lockstep.ordersDb + "_restored";
        AppDatabase.recreate(restored);
        pgRestore(file, restored);
        Map<String, String> original = AppDatabase.tableChecksums(lockstep.ordersDb);
        assertEquals(3, original.size());
        assertTrue(original.get("orders").startsWith("10000:"), original::toString);
        assertEquals(original, AppDatabase.tableChecksums(restored), "every table restores with the same rows");
        Files.delete(file);
    }

    @Test
    void planWithTwoDatabasesInOneStoreBacksUpBoth() throws Exception {
        String plan = "it" + lockstep.id + "-two-dbs";
        lockstep.api.putPlan(plan, "{\"stores\": [\"" + lockstep.doubleStore + "\"]}");

        String runId = lockstep.api.startBackup(plan);
        JsonNode run = lockstep.api.awaitEnd(runId);

        assertEquals("CONSISTENT", run.path("state").asText(), () -> "run: " + run.toPrettyString());
        List<String> keys = Repository.keys(lockstep.objectPrefix() + "runs/" + plan + "/" + runId + "/").stream()
                .filter(k -> !k.endsWith("/run.json"))
                .toList();
        String dir = lockstep.objectPrefix() + "runs/" + plan + "/" + runId + "/" + lockstep.doubleStore + "/";
        assertEquals(
                List.of(
                        dir + lockstep.clinicalDb + ".dump",
                        dir + lockstep.clinicalDb + ".tables.tsv",
                        dir + lockstep.genomicDb + ".dump",
                        dir + lockstep.genomicDb + ".tables.tsv"),
                keys.stream().sorted().toList(),
                "a dump and its table census per database");
        for (String db : List.of(lockstep.genomicDb, lockstep.clinicalDb)) {
            JsonNode dump = step(run, "BACKUP", db);
            assertEquals(
                    dump.path("sha256").asText(),
                    Repository.sha256(
                            lockstep.objectPrefix() + dump.path("artifact").asText()));
        }
        String latestSnapshot =
                List.of(step(run, "BACKUP", lockstep.genomicDb), step(run, "BACKUP", lockstep.clinicalDb)).stream()
                        .map(s -> s.path("evidence").path("snapshotTime").asText())
                        .max(java.util.Comparator.comparing(java.time.Instant::parse))
                        .orElseThrow();
        assertEquals(
                latestSnapshot,
                run.path("consistencyPoint").asText(),
                "the consistency point is the latest SQL snapshot of the run");
    }

    @Test
    void wrongPasswordFailsTheRunWithAReadableReasonAndLeavesNoUpload() throws Exception {
        String plan = "it" + lockstep.id + "-badpass";
        lockstep.api.putPlan(plan, "{\"stores\": [\"" + lockstep.badPasswordStore + "\"]}");

        String runId = lockstep.api.startBackup(plan);
        JsonNode run = lockstep.api.awaitEnd(runId);

        assertEquals("FAILED", run.path("state").asText());
        String error = run.path("error").asText();
        assertTrue(error.contains("password authentication failed"), error);
        assertFalse(error.contains("not-the-password"), "the reason never holds the password: " + error);
        assertEquals(List.of(), artifacts(plan), "no artifact is listed");
        assertEquals(List.of(), Repository.openUploads(lockstep.objectPrefix()), "no multipart upload is left open");
    }

    @Test
    void missingDatabaseFailsTheRunWithAReadableReason() throws Exception {
        String plan = "it" + lockstep.id + "-missing";
        lockstep.api.putPlan(plan, "{\"stores\": [\"" + lockstep.missingDbStore + "\"]}");

        String runId = lockstep.api.startBackup(plan);
        JsonNode run = lockstep.api.awaitEnd(runId);

        assertEquals("FAILED", run.path("state").asText());
        assertTrue(
                run.path("error").asText().contains("does not exist"),
                run.path("error").asText());
        assertEquals(
                "FAILED",
                step(run, "BACKUP", "it" + lockstep.id + "_does_not_exist")
                        .path("state")
                        .asText());
        assertEquals(List.of(), artifacts(plan));
        assertEquals(List.of(), Repository.openUploads(lockstep.objectPrefix()));
    }

    @Test
    void secretsStayOutOfTheApiTheAgentLogAndItsCommandLine() throws Exception {
        String stores = lockstep.api.get("/api/v1/stores").raw();
        String agents = lockstep.api.get("/api/v1/agents").raw();
        String log = Files.readString(lockstep.postgresAgent.log());
        String cmdline = Files.readString(Path.of("/proc/" + lockstep.postgresAgent.pid() + "/cmdline"));
        for (String secret : List.of(Lockstep.APP_PG_PASSWORD, "not-the-password", Lockstep.S3_SECRET_KEY)) {
            assertFalse(stores.contains(secret), "GET /stores shows a secret");
            assertFalse(agents.contains(secret), "GET /agents shows a secret");
            assertFalse(log.contains(secret), "the agent log shows a secret");
            assertFalse(cmdline.contains(secret), "the agent's command line shows a secret");
        }
        assertTrue(stores.contains(lockstep.singleStore), "the stores are listed at all");
    }

    /** What a plan's runs left in the repository, besides the run manifests that describe them. */
    static List<String> artifacts(String plan) {
        return Repository.keys(lockstep.objectPrefix() + "runs/" + plan + "/").stream()
                .filter(k -> !k.endsWith("/run.json"))
                .toList();
    }

    static JsonNode step(JsonNode run, String action, String database) {
        for (JsonNode step : run.path("steps")) {
            if (step.path("action").asText().equals(action)
                    && step.path("database").asText().equals(database)) {
                return step;
            }
        }
        throw new AssertionError("no " + action + " step for " + database + " in " + run.toPrettyString());
    }

    /** Decompresses a zstd artifact with the zstd command-line tool, as an operator restoring by hand would. */
    static Path unzstd(Path compressed) throws Exception {
        Path out = Files.createTempFile("lockstep-it", ".dump");
        Process process = new ProcessBuilder("zstd", "-d", "-q", "-f", compressed.toString(), "-o", out.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, process.exitValue(), "zstd -d failed: " + output);
        return out;
    }

    /**
     * Restores a custom-format dump with pg_restore; a dump the agent compressed (a zstd frame) is decompressed with
     * the zstd tool first, as an operator would.
     */
    static void pgRestore(Path dump, String database) throws Exception {
        byte[] magic;
        try (var in = Files.newInputStream(dump)) {
            magic = in.readNBytes(4);
        }
        if (java.util.Arrays.equals(magic, new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD})) {
            Path plain = unzstd(dump);
            try {
                pgRestore(plain, database);
            } finally {
                Files.delete(plain);
            }
            return;
        }
        List<String> command = new ArrayList<>(List.of(
                "pg_restore",
                "--host=" + Lockstep.APP_PG_HOST,
                "--port=" + Lockstep.APP_PG_PORT,
                "--username=" + Lockstep.APP_PG_USER,
                "--dbname=" + database,
                "--single-transaction",
                "--exit-on-error",
                dump.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PGPASSWORD", Lockstep.APP_PG_PASSWORD);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, process.exitValue(), "pg_restore failed: " + output);
    }
}
