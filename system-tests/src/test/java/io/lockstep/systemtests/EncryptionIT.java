package io.lockstep.systemtests;

import static io.lockstep.systemtests.PostgresBackupIT.pgRestore;
import static io.lockstep.systemtests.PostgresBackupIT.step;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockstep.repository.Encryption;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.Repository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Client-side encryption end to end: the agents and the coordinator run with encryption on (the default of the
 * system tests), and what lies in the bucket is checked byte by byte.
 */
class EncryptionIT {

    static Lockstep lockstep;
    static String expectedKeyId;

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Lockstep.ENCRYPTION, "the system tests run with -Dlockstep.it.encryption=false");
        lockstep = Lockstep.get();
        expectedKeyId = Encryption.fromKeyset(Lockstep.KEYSET, true).keyId().orElseThrow();
        AppDatabase.recreate(lockstep.ordersDb);
        AppDatabase.fillShop(lockstep.ordersDb, 2_000);
        lockstep.api.awaitStoreLive(lockstep.singleStore);
        lockstep.api.awaitStoreLive(lockstep.sealedStore);
    }

    @AfterAll
    static void dropDatabases() throws Exception {
        if (lockstep != null) {
            AppDatabase.drop(lockstep.ordersDb);
            AppDatabase.drop(lockstep.ordersDb + "_decrypted");
        }
    }

    @Test
    void aDumpIsStoredEncryptedSoPgRestoreCannotReadItYetTheBackupVerifiesConsistent() throws Exception {
        String plan = "it" + lockstep.id + "-sealed-sql";
        lockstep.api.putPlan(plan, "{\"stores\": [\"" + lockstep.singleStore + "\"]}");

        String runId = lockstep.api.startBackup(plan);
        JsonNode run = lockstep.api.awaitEnd(runId);

        assertEquals("CONSISTENT", run.path("state").asText(), () -> run.toPrettyString());
        JsonNode dump = step(run, "BACKUP", lockstep.ordersDb);
        String key = lockstep.objectPrefix() + dump.path("artifact").asText();
        assertEquals(
                expectedKeyId, dump.path("evidence").path("encryptionKeyId").asText(), dump.toString());
        assertEquals(
                dump.path("sha256").asText(), Repository.sha256(key), "the recorded SHA-256 covers the stored bytes");
        assertEquals(
                dump.path("sha256").asText(),
                step(run, "VERIFY", lockstep.ordersDb).path("sha256").asText());

        byte[] head = Repository.storedPrefix(key, 5);
        assertNotEquals(
                "PGDMP", new String(head, StandardCharsets.ISO_8859_1), "the stored dump is not a plain archive");
        Path stored = Repository.downloadStored(key, Files.createTempFile("sealed", ".dump"));
        try {
            ProcessResult list = pgRestoreList(stored);
            assertNotEquals(0, list.exit(), "pg_restore must not read the stored bytes: " + list.output());
        } finally {
            Files.delete(stored);
        }

        // With the key, the artifact decrypts to a custom-format archive that restores the data.
        Path decrypted = Repository.download(key, Files.createTempFile("decrypted", ".zst"));
        Path plain = PostgresBackupIT.unzstd(decrypted);
        Files.delete(decrypted);
        try {
            byte[] magic = new byte[5];
            try (var in = Files.newInputStream(plain)) {
                assertEquals(5, in.readNBytes(magic, 0, 5));
            }
            assertEquals("PGDMP", new String(magic, StandardCharsets.ISO_8859_1));
            String scratch = lockstep.ordersDb + "_decrypted";
            AppDatabase.recreate(scratch);
            pgRestore(plain, scratch);
            assertEquals(AppDatabase.tableChecksums(lockstep.ordersDb), AppDatabase.tableChecksums(scratch));
        } finally {
            Files.delete(plain);
        }

        // run.json is encrypted too, and records the key id, never key material.
        String manifestKey = lockstep.objectPrefix() + "runs/" + plan + "/" + runId + "/run.json";
        Awaitility.await("run.json written")
                .atMost(Duration.ofSeconds(30))
                .until(() -> Repository.keys(Lockstep.BUCKET, manifestKey).contains(manifestKey));
        Path storedJson = Repository.downloadStored(manifestKey, Files.createTempFile("run", ".json"));
        String storedText = Files.readString(storedJson, StandardCharsets.ISO_8859_1);
        Files.delete(storedJson);
        assertFalse(storedText.contains("consistencyPoint"), "the stored run.json is not readable JSON");
        Path file = Repository.download(manifestKey, Files.createTempFile("run", ".json"));
        JsonNode runJson = new ObjectMapper().readTree(file.toFile());
        Files.delete(file);
        assertEquals(expectedKeyId, runJson.path("encryption").path("keyId").asText(), runJson.toString());
        assertEquals("CONSISTENT", runJson.path("run").path("state").asText());
        String keyset = Lockstep.KEYSET.replaceAll("\\s", "");
        String value = keyset.replaceAll(".*\"value\":\"([^\"]+)\".*", "$1");
        assertFalse(runJson.toString().contains(value), "no key material in run.json");
        assertFalse(run.toString().contains(value), "no key material in the API's run");
    }

    @Test
    void objectBlobsAreEncryptedAndNotNamedByTheirContentsSha256() throws Exception {
        Repository.createBucket(lockstep.sealedBucket);
        Map<String, byte[]> objects = new LinkedHashMap<>();
        objects.put("a/readme.txt", "the clinical trial's protocol".getBytes(StandardCharsets.UTF_8));
        objects.put("b/empty", new byte[0]);
        byte[] large = new byte[9 * 1024 * 1024]; // above the in-memory limit: streams through a temporary key
        new Random(7).nextBytes(large);
        objects.put("c/large.bin", large);
        objects.forEach((k, v) -> Repository.put(lockstep.sealedBucket, k, v));
        String plan = "it" + lockstep.id + "-sealed-objects";
        lockstep.api.putPlan(plan, "{\"stores\": [\"" + lockstep.sealedStore + "\"]}");

        String runId = lockstep.api.startBackup(plan);
        JsonNode run = lockstep.api.awaitEnd(runId);

        assertEquals("CONSISTENT", run.path("state").asText(), () -> run.toPrettyString());
        String manifestKey = lockstep.objectPrefix() + "runs/" + plan + "/" + runId + "/" + lockstep.sealedStore
                + "/objects.jsonl.gz";
        assertArrayEquals(
                new byte[] {(byte) 0x89, 'L', 'S', 'E', 'N', 'C'},
                Repository.storedPrefix(manifestKey, 6),
                "the manifest is stored encrypted");
        List<JsonNode> manifest = Repository.manifest(manifestKey);
        assertEquals(objects.size(), manifest.size());
        List<String> blobs = Repository.keys(lockstep.objectPrefix() + "blobs/" + lockstep.sealedStore + "/");
        List<String> packs = Repository.keys(lockstep.objectPrefix() + "packs/" + lockstep.sealedStore + "/");
        long packed = manifest.stream().filter(e -> e.hasNonNull("pack")).count();
        assertEquals(2, packed, "the two small objects are packed: " + manifest);
        assertEquals(1, packs.size(), "into one pack: " + packs);
        assertEquals(objects.size() - packed, blobs.size(), "the large one lies under its own key: " + blobs);
        for (JsonNode entry : manifest) {
            byte[] content = objects.get(entry.path("key").asText());
            String sha = sha256(content);
            assertEquals(sha, entry.path("sha256").asText(), "the manifest keeps the plaintext SHA-256");
            String blob = entry.path("blob").asText();
            assertFalse(blob.contains(sha), "the blob name does not reveal the content hash: " + blob);
            if (entry.hasNonNull("pack")) {
                assertTrue(
                        packs.contains(
                                lockstep.objectPrefix() + entry.path("pack").asText()),
                        entry.toString());
                byte[] record = Repository.storedRecord(entry);
                assertArrayEquals(
                        new byte[] {(byte) 0x89, 'L', 'S', 'E', 'N', 'C'},
                        java.util.Arrays.copyOf(record, 6),
                        "a packed blob is stored encrypted, under a header of its own: " + entry);
            } else {
                assertTrue(blobs.contains(lockstep.objectPrefix() + blob), blob + " in " + blobs);
                assertNotEquals(sha, Repository.sha256(lockstep.objectPrefix() + blob), "the blob is stored encrypted");
            }
            assertArrayEquals(content, Repository.blobContent(entry), "the blob decrypts to the object");
        }
        assertTrue(Repository.keys(lockstep.objectPrefix() + "tmp/").isEmpty(), "no temporary copy is left");
    }

    record ProcessResult(int exit, String output) {}

    static ProcessResult pgRestoreList(Path file) throws Exception {
        Process process = new ProcessBuilder("pg_restore", "--list", file.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(1, TimeUnit.MINUTES));
        return new ProcessResult(process.exitValue(), output);
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
