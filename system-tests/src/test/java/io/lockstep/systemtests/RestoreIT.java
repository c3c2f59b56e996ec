package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.Elastic;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.ParsecApp;
import io.lockstep.systemtests.support.Repository;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Restores through Lockstep against the real stores: in place, into new targets, as a dry run, refused for a
 * corrupted or failed backup, and as restore drills that leave nothing behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestoreIT {

    static Lockstep lockstep;
    static Api api;
    static String plan;
    static String backupId;
    /** The three stores as the backup captured them. */
    static Map<String, String> backupTables;

    static Map<String, String> backupObjects;
    static long backupDocuments;

    @BeforeAll
    static void backUpThreeStores() throws Exception {
        lockstep = Lockstep.get();
        api = lockstep.api;
        ParsecApp app = new ParsecApp(lockstep);
        app.createSchema();
        for (String key : Repository.keys(lockstep.blocksBucket, "")) {
            Repository.delete(lockstep.blocksBucket, key); // only this class's blocks
        }
        app.write(150);
        app.close();
        for (String store : List.of(lockstep.parsecStore, lockstep.blocksStore, lockstep.docsStore)) {
            api.awaitStoreLive(store);
        }
        plan = "it" + lockstep.id + "-restore";
        api.putPlan(
                plan,
                "{\"stores\": [\"" + lockstep.parsecStore + "\", \"" + lockstep.blocksStore + "\", \""
                        + lockstep.docsStore + "\"], \"references\": [{\"store\": \"" + lockstep.parsecStore
                        + "\", \"database\": \""
                        + lockstep.parsecDb + "\", \"query\": \"select key from blocks\", \"objects\": \""
                        + lockstep.blocksStore
                        + "\"}]}");
        backupId = api.startBackup(plan);
        JsonNode run = api.awaitEnd(backupId);
        assertEquals("CONSISTENT", run.path("state").asText(), run::toPrettyString);
        backupTables = AppDatabase.tableChecksums(lockstep.parsecDb);
        backupObjects = Repository.objectHashes(lockstep.blocksBucket, "");
        backupDocuments = Elastic.count(lockstep.docsIndex);
        assertEquals(150, backupObjects.size());
        assertEquals(150, backupDocuments);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        AppDatabase.drop(lockstep.parsecDb + "_copy");
        Elastic.call("DELETE", "/copy-" + lockstep.docsIndex + "?ignore_unavailable=true", null);
    }

    @Test
    @Order(1)
    void aDryRunSaysWhatWouldHappenAndChangesNothing() throws Exception {
        mutateAllThreeStores(3);
        Map<String, String> tables = AppDatabase.tableChecksums(lockstep.parsecDb);
        Map<String, String> objects = Repository.objectHashes(lockstep.blocksBucket, "");
        long documents = Elastic.count(lockstep.docsIndex);

        Api.Reply reply = api.post("/api/v1/runs/" + backupId + "/restore", "{\"dryRun\": true}");

        assertEquals(200, reply.status(), reply.raw());
        JsonNode report = reply.body().path("result");
        List<String> steps = new ArrayList<>();
        report.path("steps").forEach(s -> steps.add(s.asText()));
        assertTrue(steps.stream().anyMatch(s -> s.startsWith("2: restore " + lockstep.parsecStore)), steps::toString);
        assertTrue(
                steps.indexOf(steps.stream()
                                .filter(s -> s.contains("quiesce"))
                                .findFirst()
                                .orElseThrow())
                        < steps.indexOf(steps.stream()
                                .filter(s -> s.contains("restore " + lockstep.parsecStore))
                                .findFirst()
                                .orElseThrow()),
                "quiesce comes before the SQL restore: " + steps);
        assertTrue(report.path("databasesToReplace").toString().contains(lockstep.parsecDb), report::toPrettyString);
        assertTrue(report.path("indicesToReplace").toString().contains(lockstep.docsIndex), report::toPrettyString);
        assertTrue(report.path("objectsToCopy").asLong() >= 3, report::toPrettyString);
        assertTrue(report.path("bytesToTransfer").asLong() > 0, report::toPrettyString);

        assertEquals(tables, AppDatabase.tableChecksums(lockstep.parsecDb), "the dry run changed the database");
        assertEquals(objects, Repository.objectHashes(lockstep.blocksBucket, ""), "the dry run changed the bucket");
        assertEquals(documents, Elastic.count(lockstep.docsIndex), "the dry run changed the index");
    }

    @Test
    @Order(2)
    void anInPlaceRestoreBringsAllThreeStoresBackToTheBackup() throws Exception {
        mutateAllThreeStores(10);
        Repository.put(lockstep.blocksBucket, "blocks/zz-written-after-the-backup", new byte[] {1, 2, 3});
        assertNotEquals(backupTables, AppDatabase.tableChecksums(lockstep.parsecDb));
        assertNotEquals(backupDocuments, Elastic.count(lockstep.docsIndex));

        JsonNode restore = restore(backupId, "{}");

        assertEquals("SUCCEEDED", restore.path("state").asText(), restore::toPrettyString);
        assertEquals(backupTables, AppDatabase.tableChecksums(lockstep.parsecDb), "every table as backed up");
        Map<String, String> objects = Repository.objectHashes(lockstep.blocksBucket, "");
        backupObjects.forEach((key, sha) -> assertEquals(sha, objects.get(key), "object " + key));
        assertTrue(objects.containsKey("blocks/zz-written-after-the-backup"), "without prune, newer keys stay");
        assertEquals(backupDocuments, Elastic.count(lockstep.docsIndex), "every document as backed up");
        assertFalse(Elastic.writeBlocked(lockstep.docsIndex), "indexing resumed");
        assertFalse(lockstep.indexer.paused(), "the indexer was resumed");
        JsonNode check = step(restore, "CHECK", lockstep.blocksStore);
        assertEquals(150, check.path("evidence").path("references").asLong(), check::toPrettyString);
        assertEquals("0", check.path("evidence").path("dangling").asText());
        assertEquals(List.of(), scratchDatabases("_lsrestore_"), "no scratch database is left");

        JsonNode pruned = restore(backupId, "{\"stores\": [\"" + lockstep.blocksStore + "\"], \"prune\": true}");
        assertEquals("SUCCEEDED", pruned.path("state").asText(), pruned::toPrettyString);
        assertEquals(backupObjects, Repository.objectHashes(lockstep.blocksBucket, ""), "prune removes newer keys");
    }

    @Test
    @Order(3)
    void aRestoreIntoNewTargetsLeavesTheOriginalsUntouched() throws Exception {
        mutateAllThreeStores(4);
        Map<String, String> tables = AppDatabase.tableChecksums(lockstep.parsecDb);
        Map<String, String> objects = Repository.objectHashes(lockstep.blocksBucket, "");
        long documents = Elastic.count(lockstep.docsIndex);
        String copyBucket = lockstep.blocksBucket + "-copy";
        Repository.createBucket(copyBucket);
        String targets = "{\"targets\": {\"" + lockstep.parsecStore + "\": {\"databases\": {\"" + lockstep.parsecDb
                + "\": \"" + lockstep.parsecDb + "_copy\"}}, \"" + lockstep.blocksStore + "\": {\"bucket\": \""
                + copyBucket
                + "\"}, \"" + lockstep.docsStore
                + "\": {\"renamePattern\": \"(.+)\", \"renameReplacement\": \"copy-$1\"}}}";

        JsonNode restore = restore(backupId, targets);

        assertEquals("SUCCEEDED", restore.path("state").asText(), restore::toPrettyString);
        assertEquals(tables, AppDatabase.tableChecksums(lockstep.parsecDb), "the original database is untouched");
        assertEquals(objects, Repository.objectHashes(lockstep.blocksBucket, ""), "the original bucket is untouched");
        assertEquals(documents, Elastic.count(lockstep.docsIndex), "the original index is untouched");
        assertEquals(backupTables, AppDatabase.tableChecksums(lockstep.parsecDb + "_copy"));
        assertEquals(backupObjects, Repository.objectHashes(copyBucket, ""));
        assertEquals(backupDocuments, Elastic.count("copy-" + lockstep.docsIndex));
        assertFalse(Elastic.writeBlocked("copy-" + lockstep.docsIndex), "the renamed index takes writes");

        Api.Reply again = api.post("/api/v1/runs/" + backupId + "/restore", targets);
        assertEquals(409, again.status(), again.raw());
        assertTrue(
                again.raw().contains(lockstep.parsecDb + "_copy") && again.raw().contains("copy-" + lockstep.docsIndex),
                again.raw());
    }

    @Test
    @Order(4)
    void aDrillRestoresIntoScratchTargetsComparesAndLeavesNothingBehind() throws Exception {
        Api.Reply reply = api.post("/api/v1/runs/" + backupId + "/verify", "{\"drill\": true}");
        assertEquals(202, reply.status(), reply.raw());
        JsonNode drill = api.awaitEnd(reply.body().path("id").asText());

        assertEquals("SUCCEEDED", drill.path("state").asText(), drill::toPrettyString);
        JsonNode backup = api.get("/api/v1/runs/" + backupId).body();
        assertTrue(backup.path("verified").asBoolean(), backup::toPrettyString);
        JsonNode figures = backup.path("verification");
        assertTrue(figures.path("passed").asBoolean());
        assertTrue(figures.has("rtoMillis"), figures::toPrettyString);
        assertEquals(150, figures.path("objects").asLong(), figures::toPrettyString);
        assertEquals(backupDocuments, figures.path("documents").asLong(), figures::toPrettyString);
        assertEquals(150, figures.path("references").asLong(), figures::toPrettyString);
        assertTrue(figures.path("rows").asLong() >= 150, figures::toPrettyString);
        List<String> verified = new ArrayList<>();
        api.get("/api/v1/runs?plan=" + plan + "&verified=true")
                .body()
                .forEach(r -> verified.add(r.path("id").asText()));
        assertEquals(List.of(backupId), verified);
        assertNoScratchLeft();
    }

    @Test
    @Order(5)
    void aCorruptedDumpIsReportedAndNeverRestoredAndItsDrillFails() throws Exception {
        String db = lockstep.ordersDb;
        AppDatabase.recreate(db);
        AppDatabase.fillShop(db, 500);
        api.awaitStoreLive(lockstep.singleStore);
        String corruptPlan = "it" + lockstep.id + "-corrupt";
        api.putPlan(corruptPlan, "{\"stores\": [\"" + lockstep.singleStore + "\"]}");
        String runId = api.startBackup(corruptPlan);
        JsonNode run = api.awaitEnd(runId);
        assertEquals("CONSISTENT", run.path("state").asText(), run::toPrettyString);
        String dump = lockstep.objectPrefix()
                + step(run, "BACKUP", lockstep.singleStore).path("artifact").asText();
        byte[] bytes = Repository.read(Lockstep.BUCKET, dump);
        byte[] original = bytes.clone();
        bytes[bytes.length / 2] ^= 0x01;
        Repository.put(Lockstep.BUCKET, dump, bytes);
        try (Connection c = AppDatabase.connect(db);
                Statement st = c.createStatement()) {
            st.execute("INSERT INTO customers VALUES (999999, 'after-backup@example.com', 'live')");
        }
        Map<String, String> live = AppDatabase.tableChecksums(db);

        Api.Reply verify = api.post("/api/v1/runs/" + runId + "/verify", "{}");
        assertEquals(202, verify.status(), verify.raw());
        JsonNode verification = api.awaitEnd(verify.body().path("id").asText());
        assertEquals("FAILED", verification.path("state").asText(), verification::toPrettyString);
        assertTrue(
                verification.path("error").asText().contains("SHA-256"),
                verification.path("error").asText());

        JsonNode restore = restore(runId, "{}");
        assertEquals("FAILED", restore.path("state").asText(), restore::toPrettyString);
        assertTrue(
                restore.path("error").asText().contains("SHA-256"),
                restore.path("error").asText());
        assertEquals(live, AppDatabase.tableChecksums(db), "the live database is unchanged");
        // One database: no separate check first (RestorePlanner.restoreChecksItself); the restore step read the
        // dump, found the damage and dropped its scratch database without swapping anything in.
        for (JsonNode s : restore.path("steps")) {
            assertEquals("RESTORE", s.path("action").asText(), "no wave-0 check of a one-database restore: " + s);
            assertEquals("FAILED", s.path("state").asText(), s::toString);
        }
        awaitNoScratchLeft();

        Api.Reply drillReply = api.post("/api/v1/runs/" + runId + "/verify", "{\"drill\": true}");
        JsonNode drill = api.awaitEnd(drillReply.body().path("id").asText());
        assertEquals("FAILED", drill.path("state").asText(), drill::toPrettyString);
        JsonNode backup = api.get("/api/v1/runs/" + runId).body();
        assertFalse(backup.path("verified").asBoolean(), backup::toPrettyString);
        assertFalse(backup.path("verification").path("passed").asBoolean(true), backup::toPrettyString);
        assertTrue(backup.path("verification").path("reason").asText().contains("SHA-256"), backup::toPrettyString);
        awaitNoScratchLeft();

        Repository.put(Lockstep.BUCKET, dump, java.util.Arrays.copyOf(original, original.length - 100));
        JsonNode truncated = restore(runId, "{}");
        assertEquals("FAILED", truncated.path("state").asText(), truncated::toPrettyString);
        assertTrue(
                truncated
                        .path("error")
                        .asText()
                        .contains(dump.substring(lockstep.objectPrefix().length())),
                "the reason names the truncated artifact: "
                        + truncated.path("error").asText());
        assertEquals(live, AppDatabase.tableChecksums(db), "the live database is unchanged");

        Repository.delete(Lockstep.BUCKET, dump);
        Api.Reply missing = api.post("/api/v1/runs/" + runId + "/restore", "{}");
        assertEquals(422, missing.status(), missing.raw());
        assertTrue(missing.raw().contains(".dump"), missing.raw());
    }

    @Test
    @Order(6)
    void twoDatabasesAreRestoredInPlaceAndOpenConnectionsToThemAreTerminated() throws Exception {
        for (String db : List.of(lockstep.genomicDb, lockstep.clinicalDb)) {
            AppDatabase.recreate(db);
            AppDatabase.fillShop(db, 800);
        }
        api.awaitStoreLive(lockstep.doubleStore);
        String twoPlan = "it" + lockstep.id + "-two-restore";
        api.putPlan(twoPlan, "{\"stores\": [\"" + lockstep.doubleStore + "\"]}");
        String runId = api.startBackup(twoPlan);
        assertEquals("CONSISTENT", api.awaitEnd(runId).path("state").asText());
        Map<String, String> genomic = AppDatabase.tableChecksums(lockstep.genomicDb);
        Map<String, String> clinical = AppDatabase.tableChecksums(lockstep.clinicalDb);
        for (String db : List.of(lockstep.genomicDb, lockstep.clinicalDb)) {
            try (Connection c = AppDatabase.connect(db);
                    Statement st = c.createStatement()) {
                st.execute("DELETE FROM order_lines WHERE order_id % 3 = 0");
            }
        }
        try (Connection held = AppDatabase.connect(lockstep.genomicDb)) {
            try (Statement st = held.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM orders")) {
                assertTrue(rs.next());
            }

            JsonNode restore = restore(runId, "{}");

            assertEquals("SUCCEEDED", restore.path("state").asText(), restore::toPrettyString);
            assertThrows(
                    SQLException.class,
                    () -> {
                        try (Statement st = held.createStatement()) {
                            st.executeQuery("SELECT 1");
                        }
                    },
                    "the open session on the restored database was terminated");
            assertTrue(
                    step(restore, "RESTORE", lockstep.doubleStore, lockstep.genomicDb)
                                    .path("evidence")
                                    .path("terminatedConnections")
                                    .asInt()
                            >= 1,
                    restore::toPrettyString);
        }
        assertEquals(genomic, AppDatabase.tableChecksums(lockstep.genomicDb));
        assertEquals(clinical, AppDatabase.tableChecksums(lockstep.clinicalDb));
    }

    @Test
    @Order(7)
    void badRestoreRequestsGetProblemDetails() {
        String failedPlan = "it" + lockstep.id + "-failed-restore";
        api.awaitStoreLive(lockstep.badPasswordStore);
        api.putPlan(failedPlan, "{\"stores\": [\"" + lockstep.badPasswordStore + "\"]}");
        String failed = api.startBackup(failedPlan);
        assertEquals("FAILED", api.awaitEnd(failed).path("state").asText());

        Api.Reply notConsistent = api.post("/api/v1/runs/" + failed + "/restore", "{}");
        assertEquals(409, notConsistent.status(), notConsistent.raw());
        assertTrue(notConsistent.raw().contains("force"), notConsistent.raw());
        assertEquals("application/problem+json", notConsistent.contentType());

        Api.Reply unknownStore = api.post("/api/v1/runs/" + backupId + "/restore", "{\"stores\": [\"nope\"]}");
        assertEquals(422, unknownStore.status(), unknownStore.raw());
        Api.Reply badTarget = api.post(
                "/api/v1/runs/" + backupId + "/restore",
                "{\"targets\": {\"" + lockstep.parsecStore + "\": {\"databases\": {\"" + lockstep.parsecDb
                        + "\": \"bad name; drop\"}}}}");
        assertEquals(400, badTarget.status(), badTarget.raw());
        Api.Reply notARun = api.post("/api/v1/runs/" + java.util.UUID.randomUUID() + "/restore", "{}");
        assertEquals(404, notARun.status(), notARun.raw());
        Api.Reply notJson = api.post("/api/v1/runs/" + backupId + "/restore", "{\"dryRun\": ");
        assertEquals(400, notJson.status(), notJson.raw());
    }

    // ---------------------------------------------------------------- helpers

    /** Deletes rows, objects and documents, and changes some. */
    private static void mutateAllThreeStores(int n) throws Exception {
        try (Connection c = AppDatabase.connect(lockstep.parsecDb);
                Statement st = c.createStatement()) {
            st.execute("DELETE FROM blocks WHERE key IN (SELECT key FROM blocks ORDER BY key LIMIT " + n + ")");
            st.execute("UPDATE blocks SET size = size + 1 WHERE key IN (SELECT key FROM blocks ORDER BY key DESC LIMIT "
                    + n + ")");
        }
        List<String> keys = Repository.keys(lockstep.blocksBucket, "blocks/");
        for (int i = 0; i < n; i++) {
            Repository.delete(lockstep.blocksBucket, keys.get(i));
            Repository.put(lockstep.blocksBucket, keys.get(keys.size() - 1 - i), ("changed " + i).getBytes());
        }
        JsonNode hits = Elastic.call("GET", "/" + lockstep.docsIndex + "/_search?size=" + n, null)
                .body()
                .path("hits")
                .path("hits");
        assertEquals(n, hits.size(), hits::toString);
        for (JsonNode hit : hits) {
            Elastic.Reply deleted = Elastic.call(
                    "DELETE",
                    "/" + lockstep.docsIndex + "/_doc/" + hit.path("_id").asText() + "?refresh=true",
                    null);
            assertEquals(200, deleted.status(), String.valueOf(deleted.body()));
        }
    }

    private static JsonNode restore(String runId, String body) {
        Api.Reply reply = api.post("/api/v1/runs/" + runId + "/restore", body);
        assertEquals(202, reply.status(), reply.raw());
        return api.awaitEnd(reply.body().path("id").asText());
    }

    private static JsonNode step(JsonNode run, String action, String store) {
        for (JsonNode s : run.path("steps")) {
            if (s.path("action").asText().equals(action)
                    && s.path("store").asText().equals(store)) {
                return s;
            }
        }
        throw new AssertionError("no " + action + " step of " + store + " in " + run.toPrettyString());
    }

    private static JsonNode step(JsonNode run, String action, String store, String database) {
        for (JsonNode s : run.path("steps")) {
            if (s.path("action").asText().equals(action)
                    && s.path("store").asText().equals(store)
                    && s.path("database").asText().equals(database)) {
                return s;
            }
        }
        throw new AssertionError("no " + action + " step of " + store + "/" + database + " in " + run.toPrettyString());
    }

    private static List<String> scratchDatabases(String marker) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = AppDatabase.connect("postgres");
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE '%" + marker + "%'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private static void assertNoScratchLeft() throws SQLException {
        assertEquals(List.of(), scratchDatabases("_lsdrill_"), "no drill database is left");
        assertEquals(List.of(), scratchDatabases("_lsrestore_"), "no scratch database is left");
        assertEquals(List.of(), Repository.keys(lockstep.blocksBucket, ".lockstep-drill/"), "no drill prefix is left");
        assertEquals(List.of(), Elastic.indices("lsdrill-*"), "no drill index is left");
    }

    /** After a failed drill its drops run after the run ended: wait for them. */
    private static void awaitNoScratchLeft() {
        org.awaitility.Awaitility.await("scratch targets dropped")
                .atMost(java.time.Duration.ofSeconds(60))
                .untilAsserted(RestoreIT::assertNoScratchLeft);
    }
}
