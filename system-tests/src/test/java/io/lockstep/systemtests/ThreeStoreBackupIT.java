package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.Elastic;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.ParsecApp;
import io.lockstep.systemtests.support.Repository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The heart of Lockstep against real PostgreSQL, S3Proxy, Elasticsearch and Kafka: one run backs up a
 * database, a bucket and an index as one consistent point while the application keeps writing.
 */
class ThreeStoreBackupIT {

    static Lockstep lockstep;
    static ParsecApp app;
    static String plan;

    @BeforeAll
    static void setUp() throws Exception {
        lockstep = Lockstep.get();
        app = new ParsecApp(lockstep);
        app.createSchema();
        app.write(300);
        for (String store : List.of(lockstep.parsecStore, lockstep.blocksStore, lockstep.docsStore)) {
            lockstep.api.awaitStoreLive(store);
        }
        plan = "it" + lockstep.id + "-parsec";
        lockstep.api.putPlan(
                plan,
                "{\"stores\": [\"" + lockstep.parsecStore + "\", \"" + lockstep.blocksStore + "\", \""
                        + lockstep.docsStore + "\"], \"references\": [{\"store\": \"" + lockstep.parsecStore
                        + "\", \"database\": \""
                        + lockstep.parsecDb + "\", \"query\": \"select key from blocks\", \"objects\": \""
                        + lockstep.blocksStore
                        + "\"}]}");
    }

    @AfterAll
    static void tearDown() throws Exception {
        AppDatabase.drop(lockstep.parsecDb);
        AppDatabase.drop(lockstep.parsecDb + "_check");
    }

    @Test
    void aThreeStoreBackupUnderConcurrentWritersIsConsistentAndProvesItsOrder() throws Exception {
        String runId;
        JsonNode run;
        app.startWriting();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> app.written() > 320);
            runId = lockstep.api.startBackup(plan);
            run = lockstep.api.awaitEnd(runId);
        } finally {
            app.close();
        }

        assertEquals("CONSISTENT", run.path("state").asText(), () -> run.toPrettyString());
        JsonNode evidence = run.path("evidence");
        Instant acknowledged = instant(evidence.path("quiesce").get(0), "acknowledgedAt");
        Instant requested = instant(evidence.path("quiesce").get(0), "requestedAt");
        Instant releaseRequested = instant(evidence.path("quiesce").get(0), "releaseRequestedAt");
        Instant released = instant(evidence.path("quiesce").get(0), "releasedAt");
        Instant sqlSnapshot = instant(evidence.path("sqlSnapshots").get(0), "snapshotTime");
        Instant listing = instant(evidence.path("objectListings").get(0), "listingStartedAt");
        Instant searchStart = instant(evidence.path("searchSnapshots").get(0), "startedAt");
        Instant searchEnd = instant(evidence.path("searchSnapshots").get(0), "endedAt");
        assertFalse(acknowledged.isBefore(requested), "acknowledged after requested");
        assertFalse(sqlSnapshot.isBefore(acknowledged), "rule 1: quiesced before the SQL snapshot");
        assertFalse(searchStart.isBefore(acknowledged), "rule 1: quiesced before the search snapshot");
        assertFalse(listing.isBefore(sqlSnapshot), "rule 2: objects listed after the SQL snapshot point");
        assertFalse(released.isBefore(searchEnd), "rule 3: released after the search snapshot");
        assertFalse(releaseRequested.isBefore(sqlSnapshot), "rule 3: released after the SQL snapshot point");
        assertEquals(
                run.path("consistencyPoint").asText(),
                evidence.path("sqlSnapshots").get(0).path("snapshotTime").asText());
        assertEquals("0", evidence.path("references").get(0).path("dangling").asText(), evidence.toString());

        // Indexing is back: the hook was called both ways and the write block is gone.
        assertTrue(lockstep.indexer.pauses.get() >= 1 && lockstep.indexer.resumes.get() >= 1);
        assertFalse(lockstep.indexer.paused());
        assertFalse(Elastic.writeBlocked(lockstep.docsIndex));

        // Every key the dumped SQL references is in the object manifest.
        Set<String> manifest = new HashSet<>(Repository.manifestKeys(lockstep.objectPrefix() + "runs/" + plan + "/"
                + runId + "/" + lockstep.blocksStore + "/objects.jsonl.gz"));
        List<String> referenced = restoredKeys(runId);
        assertTrue(referenced.size() >= 300, "rows in the dump: " + referenced.size());
        List<String> dangling =
                referenced.stream().filter(k -> !manifest.contains(k)).toList();
        assertEquals(List.of(), dangling, "every key the SQL references is in the manifest");

        // The Elasticsearch snapshot holds the index.
        JsonNode snapshot = Elastic.snapshot("it" + lockstep.id, "lockstep-" + runId)
                .path("snapshots")
                .get(0);
        assertEquals("SUCCESS", snapshot.path("state").asText());
        assertTrue(snapshot.path("indices").toString().contains(lockstep.docsIndex), snapshot.toString());
        List<String> snapshotFiles =
                Repository.keys(Lockstep.BUCKET, lockstep.objectPrefix() + "search/" + lockstep.docsStore + "/snap-");
        assertFalse(snapshotFiles.isEmpty(), "the snapshot files are in the backup repository");
        if (Lockstep.ENCRYPTION) {
            assertEquals(
                    "\u0089LSENC",
                    new String(
                            Repository.storedPrefix(snapshotFiles.get(0), 6),
                            java.nio.charset.StandardCharsets.ISO_8859_1),
                    "snapshot files are stored encrypted");
        }

        // The repository describes itself: run.json holds the run, its artifacts and evidence.
        String manifestKey = lockstep.objectPrefix() + "runs/" + plan + "/" + runId + "/run.json";
        Awaitility.await("run.json written")
                .atMost(Duration.ofSeconds(30))
                .until(() -> Repository.keys(Lockstep.BUCKET, manifestKey).contains(manifestKey));
        Path file = Repository.download(manifestKey, Files.createTempFile("run", ".json"));
        JsonNode runJson = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
        Files.delete(file);
        assertEquals("CONSISTENT", runJson.path("run").path("state").asText());
        assertEquals(
                run.path("consistencyPoint").asText(),
                runJson.path("run").path("consistencyPoint").asText());
        assertEquals(3, runJson.path("plan").path("stores").size());
    }

    @Test
    void aSecondBackupCopiesOnlyTheChangedObjectsAndItsManifestIsStillComplete() throws Exception {
        String first = lockstep.api.startBackup(plan);
        assertEquals("CONSISTENT", lockstep.api.awaitEnd(first).path("state").asText());
        int changed = app.rewriteEvery(100);
        assertTrue(changed >= 3, "changed " + changed);

        String second = lockstep.api.startBackup(plan);
        JsonNode run = lockstep.api.awaitEnd(second);

        assertEquals("CONSISTENT", run.path("state").asText(), () -> run.toPrettyString());
        JsonNode listing = run.path("evidence").path("objectListings").get(0);
        assertEquals(changed, listing.path("copied").asInt(), "only the changed objects were copied: " + listing);
        List<String> bucket = Repository.keys(lockstep.blocksBucket, "");
        assertEquals(bucket.size(), listing.path("objects").asInt());
        List<String> manifest = Repository.manifestKeys(lockstep.objectPrefix() + "runs/" + plan + "/" + second + "/"
                + lockstep.blocksStore + "/objects.jsonl.gz");
        assertEquals(bucket, manifest, "the manifest lists every object, in listing order");
    }

    @Test
    void aDanglingReferenceFailsTheRunAndNamesTheKey() {
        String dangling = "it" + lockstep.id + "-dangling";
        lockstep.api.putPlan(
                dangling,
                "{\"stores\": [\"" + lockstep.parsecStore + "\", \"" + lockstep.blocksStore
                        + "\"], \"references\": [{\"store\": \"" + lockstep.parsecStore + "\", \"database\": \""
                        + lockstep.parsecDb
                        + "\", \"query\": \"select key from blocks union all select 'blocks/never-written'\", \"objects\": \""
                        + lockstep.blocksStore + "\"}]}");

        JsonNode run = lockstep.api.awaitEnd(lockstep.api.startBackup(dangling));

        assertEquals("FAILED", run.path("state").asText());
        assertTrue(
                run.path("error").asText().contains("1 dangling references"),
                run.path("error").asText());
        assertTrue(
                run.path("error").asText().contains("blocks/never-written"),
                run.path("error").asText());
    }

    @Test
    void anUnreachableBucketFailsTheRunAndIndexingIsResumed() {
        String broken = "it" + lockstep.id + "-nobucket";
        lockstep.api.awaitStoreLive(lockstep.missingBucketStore);
        lockstep.api.putPlan(
                broken, "{\"stores\": [\"" + lockstep.missingBucketStore + "\", \"" + lockstep.docsStore + "\"]}");
        int resumesBefore = lockstep.indexer.resumes.get();

        JsonNode run = lockstep.api.awaitEnd(lockstep.api.startBackup(broken));

        assertEquals("FAILED", run.path("state").asText());
        assertTrue(
                run.path("error").asText().contains("cannot list bucket"),
                run.path("error").asText());
        Awaitility.await("indexing resumed")
                .atMost(Duration.ofSeconds(30))
                .until(() ->
                        !Elastic.writeBlocked(lockstep.docsIndex) && lockstep.indexer.resumes.get() > resumesBefore);
        assertFalse(lockstep.indexer.paused());
    }

    @Test
    void aFailedSnapshotFailsTheRunWithItsReasonAndIndexingIsResumed() {
        Elastic.recreateIndex(lockstep.otherIndex);
        String broken = "it" + lockstep.id + "-badrepo";
        lockstep.api.awaitStoreLive(lockstep.badRepoStore);
        lockstep.api.putPlan(broken, "{\"stores\": [\"" + lockstep.badRepoStore + "\"]}");

        JsonNode run = lockstep.api.awaitEnd(lockstep.api.startBackup(broken));

        assertEquals("FAILED", run.path("state").asText());
        assertTrue(
                run.path("error").asText().contains("snapshot"),
                run.path("error").asText());
        Awaitility.await("write block removed")
                .atMost(Duration.ofSeconds(30))
                .until(() -> !Elastic.writeBlocked(lockstep.otherIndex));
    }

    static Instant instant(JsonNode node, String field) {
        String value = node.path(field).asText(null);
        if (value == null) {
            throw new AssertionError("no " + field + " in " + node);
        }
        return Instant.parse(value);
    }

    /** Restores the run's dump into a scratch database and reads the keys its rows reference. */
    static List<String> restoredKeys(String runId) throws Exception {
        String key = lockstep.objectPrefix() + "runs/" + plan + "/" + runId + "/" + lockstep.parsecStore + "/"
                + lockstep.parsecDb + ".dump";
        Path dump = Repository.download(key, Files.createTempFile("parsec", ".dump"));
        String scratch = lockstep.parsecDb + "_check";
        AppDatabase.recreate(scratch);
        PostgresBackupIT.pgRestore(dump, scratch);
        Files.delete(dump);
        List<String> keys = new ArrayList<>();
        try (Connection c = AppDatabase.connect(scratch);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT key FROM blocks")) {
            while (rs.next()) {
                keys.add(rs.getString(1));
            }
        }
        return keys;
    }
}
