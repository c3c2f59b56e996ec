package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.protocol.Topics;
import io.lockstep.repository.Encryption;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Key-encryption key rotation through Lockstep: a postgres-agent of its own is restarted with a rotated keyset, new
 * backups use the new key, and a backup written under the old key still restores; an agent whose keyset lacks the
 * key refuses the restore with a clear reason before anything is replaced.
 */
class KeyRotationIT {

    static Lockstep lockstep;
    static String store;
    static String db;
    static Path work;
    static Path keysetFile;
    static ServiceProcess agent;

    @BeforeAll
    static void setUp() throws Exception {
        lockstep = Lockstep.get();
        store = "it" + lockstep.id + "-rotation";
        db = "it" + lockstep.id + "_rotation";
        work = Path.of(System.getProperty("lockstep.test.work", "target/system-test-work"))
                .resolve(lockstep.id)
                .resolve("rotation-agent");
        Files.createDirectories(work);
        keysetFile = work.resolve("rotation-keyset.json");
        AppDatabase.recreate(db);
        AppDatabase.fillShop(db, 300);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (agent != null) {
            agent.stop();
        }
        AppDatabase.drop(db);
    }

    @Test
    void oldBackupsStayRestorableAfterARotationAndAMissingKeyIsRefusedClearly() throws Exception {
        String first = Encryption.generateKeyset();
        startAgent(first);
        String plan = "it" + lockstep.id + "-rotation";
        lockstep.api.putPlan(plan, "{\"stores\": [\"" + store + "\"]}");
        String before = lockstep.api.startBackup(plan);
        JsonNode oldRun = lockstep.api.awaitEnd(before);
        assertEquals("CONSISTENT", oldRun.path("state").asText(), oldRun::toPrettyString);
        Map<String, String> backedUp = AppDatabase.tableChecksums(db);

        String rotated = Encryption.rotateKeyset(first);
        startAgent(rotated);
        String after = lockstep.api.startBackup(plan);
        JsonNode newRun = lockstep.api.awaitEnd(after);
        assertEquals("CONSISTENT", newRun.path("state").asText(), newRun::toPrettyString);
        assertNotEquals(keyId(oldRun), keyId(newRun), "new backups use the new primary key");

        try (Connection c = AppDatabase.connect(db);
                Statement st = c.createStatement()) {
            st.execute("DELETE FROM order_lines");
        }
        JsonNode restored = restore(before);
        assertEquals("SUCCEEDED", restored.path("state").asText(), restored::toPrettyString);
        assertEquals(backedUp, AppDatabase.tableChecksums(db), "the backup under the old key restored exactly");

        startAgent(Encryption.generateKeyset());
        try (Connection c = AppDatabase.connect(db);
                Statement st = c.createStatement()) {
            st.execute("DELETE FROM order_lines WHERE order_id % 2 = 0");
        }
        Map<String, String> live = AppDatabase.tableChecksums(db);
        JsonNode refused = restore(after);
        assertEquals("FAILED", refused.path("state").asText(), refused::toPrettyString);
        String reason = refused.path("error").asText();
        assertTrue(
                reason.contains(keyId(newRun)) && reason.contains(db + ".dump"),
                "the reason names the artifact and the key it needs: " + reason);
        assertEquals(live, AppDatabase.tableChecksums(db), "nothing was replaced");
    }

    private static String keyId(JsonNode run) {
        for (JsonNode s : run.path("steps")) {
            if (s.path("action").asText().equals("BACKUP")) {
                return s.path("evidence").path("encryptionKeyId").asText();
            }
        }
        throw new AssertionError("no backup step in " + run.toPrettyString());
    }

    private static JsonNode restore(String runId) {
        var reply = lockstep.api.post("/api/v1/runs/" + runId + "/restore", "{}");
        assertEquals(202, reply.status(), reply.raw());
        return lockstep.api.awaitEnd(reply.body().path("id").asText());
    }

    /** (Re)starts this test's agent with the given keyset, as an operator would after changing the keyset file. */
    private static void startAgent(String keyset) throws Exception {
        if (agent != null) {
            agent.stop();
        }
        Files.deleteIfExists(keysetFile);
        Files.createFile(
                keysetFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keysetFile, keyset);
        Map<String, String> config = new LinkedHashMap<>();
        config.put("lockstep.agent.id", "it-pg-rotation-" + lockstep.id);
        config.put("lockstep.agent.heartbeat-interval", "1s");
        config.put(Topics.PREFIX_PROPERTY, lockstep.topics.prefix());
        config.put("lockstep.repository.endpoint", Lockstep.S3_ENDPOINT);
        config.put("lockstep.repository.bucket", Lockstep.BUCKET);
        config.put("lockstep.repository.prefix", "it/" + lockstep.id);
        config.put("lockstep.repository.access-key-id", Lockstep.S3_ACCESS_KEY);
        config.put("lockstep.repository.secret-access-key", Lockstep.S3_SECRET_KEY);
        config.put("lockstep.repository.create-bucket", "true");
        config.put("lockstep.repository.part-size", Integer.toString(5 * 1024 * 1024));
        config.put("lockstep.repository.encryption.enabled", "true");
        config.put("lockstep.repository.encryption.keyset-file", keysetFile.toString());
        String p = "lockstep.postgres.stores.\"" + store + "\".";
        config.put(p + "host", Lockstep.APP_PG_HOST);
        config.put(p + "port", Integer.toString(Lockstep.APP_PG_PORT));
        config.put(p + "user", Lockstep.APP_PG_USER);
        config.put(p + "password", Lockstep.APP_PG_PASSWORD);
        config.put(p + "databases", db);
        agent = ServiceProcess.start(
                "postgres-agent", Lockstep.jar("postgres-agent"), work, Lockstep.freePort(), config);
        lockstep.api.awaitStoreLive(store);
    }
}
