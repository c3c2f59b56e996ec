package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.Elastic;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.ParsecApp;
import io.lockstep.systemtests.support.Repository;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retention against real backups of a PostgreSQL database, a bucket and an index: keepLast=2 over four runs deletes
 * the two oldest runs' dumps, manifests, Elasticsearch snapshots and the blobs only they referenced, keeps every
 * blob the remaining runs need, and never touches a pinned run.
 */
class RetentionIT {

    static Lockstep lockstep;
    static ParsecApp app;
    static String plan;

    @BeforeAll
    static void setUp() throws Exception {
        lockstep = Lockstep.get();
        app = new ParsecApp(lockstep);
        app.createSchema();
        app.write(60);
        for (String store : List.of(lockstep.parsecStore, lockstep.blocksStore, lockstep.docsStore)) {
            lockstep.api.awaitStoreLive(store);
        }
        plan = "it" + lockstep.id + "-retention";
        // Without rules first: retention also runs by itself after each backup, and must not expire runs while the
        // test is still making them.
        lockstep.api.putPlan(plan, planSpec(""));
    }

    static String planSpec(String retention) {
        return "{\"stores\": [\"" + lockstep.parsecStore + "\", \"" + lockstep.blocksStore + "\", \""
                + lockstep.docsStore + "\"]" + retention + "}";
    }

    @AfterAll
    static void tearDown() throws Exception {
        AppDatabase.drop(lockstep.parsecDb);
    }

    @Test
    void keepLastTwoOverFourRunsDeletesTheOldestTwoRunsArtifactsAndKeepsWhatTheOthersNeed() throws Exception {
        Api.Reply pinnedReply = lockstep.api.post(
                "/api/v1/plans/" + plan + "/backups", "{\"label\": \"before release 2.4\", \"pin\": true}");
        assertEquals(202, pinnedReply.status(), pinnedReply.raw());
        String pinned = pinnedReply.body().path("id").asText();
        assertConsistent(pinned);
        List<String> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            assertTrue(app.rewriteEvery(20) >= 2, "each run copies new objects");
            String run = lockstep.api.startBackup(plan);
            assertConsistent(run);
            runs.add(run);
        }
        List<Set<String>> blobs = new ArrayList<>();
        for (String run : runs) {
            blobs.add(manifestBlobs(run));
        }
        Set<String> pinnedBlobs = manifestBlobs(pinned);
        Set<String> needed = new HashSet<>(blobs.get(2));
        needed.addAll(blobs.get(3));
        needed.addAll(pinnedBlobs);
        Set<String> onlyExpired = new HashSet<>(blobs.get(0));
        onlyExpired.addAll(blobs.get(1));
        onlyExpired.removeAll(needed);
        assertFalse(onlyExpired.isEmpty(), "the rewritten objects give the oldest runs packs of their own");
        for (String run : List.of(runs.get(0), runs.get(1), runs.get(2), runs.get(3), pinned)) {
            Awaitility.await("run.json of " + run)
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> !Repository.keys(Lockstep.BUCKET, runPrefix(run) + "run.json")
                            .isEmpty());
        }

        lockstep.api.putPlan(plan, planSpec(", \"retention\": {\"keepLast\": 2}"));
        JsonNode preview = lockstep.api
                .get("/api/v1/plans/" + plan + "/retention?dryRun=true")
                .body();
        assertEquals("pinned", decision(preview, pinned).path("reason").asText(), preview.toPrettyString());

        // Retention may already be running by itself after the plan change; the awaits below apply it and decide.
        for (String gone : runs.subList(0, 2)) {
            Awaitility.await("run " + gone + " expired")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        lockstep.api.post("/api/v1/plans/" + plan + "/retention", "{}");
                        return lockstep.api.get("/api/v1/runs/" + gone).body().hasNonNull("expiredAt");
                    });
        }

        for (String gone : runs.subList(0, 2)) {
            assertEquals(
                    List.of(),
                    Repository.keys(Lockstep.BUCKET, runPrefix(gone)),
                    "dumps, manifests, run.json of " + gone);
            assertEquals(
                    404,
                    Elastic.call("GET", "/_snapshot/it" + lockstep.id + "/lockstep-" + gone, null)
                            .status(),
                    "the Elasticsearch snapshot of " + gone + " is deleted");
        }
        // The blob collection runs after the expiries it follows; wait for the pass that saw both.
        Awaitility.await("blobs only the expired runs referenced are collected")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    lockstep.api.post("/api/v1/plans/" + plan + "/retention", "{}");
                    return onlyExpired.stream().noneMatch(RetentionIT::blobExists);
                });
        for (String kept : List.of(runs.get(2), runs.get(3), pinned)) {
            JsonNode run = lockstep.api.get("/api/v1/runs/" + kept).body();
            assertFalse(run.hasNonNull("expiringAt"), run.toPrettyString());
            assertFalse(Repository.keys(Lockstep.BUCKET, runPrefix(kept) + lockstep.parsecStore + "/")
                    .isEmpty());
            assertEquals(
                    200,
                    Elastic.call("GET", "/_snapshot/it" + lockstep.id + "/lockstep-" + kept, null)
                            .status());
        }
        List<String> missing = needed.stream().filter(b -> !blobExists(b)).toList();
        assertEquals(List.of(), missing, "every blob a remaining manifest names is still there");
        assertTrue(
                Repository.keys(Lockstep.BUCKET, lockstep.objectPrefix() + "search/" + lockstep.docsStore + "/snap-")
                                .size()
                        >= 3,
                "the copied snapshot files of the remaining snapshots stay");

        // The newest remaining run still restores: its dump loads and every key it references is in its manifest.
        String newest = runs.get(3);
        Path stored = Repository.download(
                runPrefix(newest) + lockstep.parsecStore + "/" + lockstep.parsecDb + ".dump",
                Files.createTempFile("retention", ".zst"));
        Path dump = PostgresBackupIT.unzstd(stored);
        Files.delete(stored);
        String scratch = lockstep.parsecDb + "_kept";
        AppDatabase.recreate(scratch);
        try {
            PostgresBackupIT.pgRestore(dump, scratch);
            Set<String> manifestKeys = new HashSet<>(
                    Repository.manifestKeys(runPrefix(newest) + lockstep.blocksStore + "/objects.jsonl.gz"));
            try (var c = AppDatabase.connect(scratch);
                    var st = c.createStatement();
                    var rs = st.executeQuery("SELECT key FROM blocks")) {
                int rows = 0;
                while (rs.next()) {
                    rows++;
                    assertTrue(manifestKeys.contains(rs.getString(1)), rs.getString(1));
                }
                assertTrue(rows >= 60, "rows restored: " + rows);
            }
        } finally {
            Files.delete(dump);
            AppDatabase.drop(scratch);
        }

        // And through Lockstep: a restore drill of the newest remaining run restores all three stores into scratch
        // targets (every object from its blob, re-hashed) and compares them with what the backup recorded.
        Api.Reply drill = lockstep.api.post("/api/v1/runs/" + newest + "/verify", "{\"drill\": true}");
        assertEquals(202, drill.status(), drill.raw());
        JsonNode drilled = lockstep.api.awaitEnd(drill.body().path("id").asText());
        assertEquals("SUCCEEDED", drilled.path("state").asText(), drilled::toPrettyString);
        assertTrue(lockstep.api
                .get("/api/v1/runs/" + newest)
                .body()
                .path("verified")
                .asBoolean());

        // A pinned run needs force; a snapshot someone already deleted by hand counts as deleted.
        assertEquals(409, lockstep.api.delete("/api/v1/runs/" + pinned).status());
        assertEquals(
                200,
                Elastic.call("DELETE", "/_snapshot/it" + lockstep.id + "/lockstep-" + pinned, null)
                        .status());
        assertEquals(
                202,
                lockstep.api.delete("/api/v1/runs/" + pinned + "?force=true").status());
        Awaitility.await("pinned run " + pinned + " expired")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    lockstep.api.post("/api/v1/plans/" + plan + "/retention", "{}");
                    return lockstep.api.get("/api/v1/runs/" + pinned).body().hasNonNull("expiredAt");
                });
        assertEquals(List.of(), Repository.keys(Lockstep.BUCKET, runPrefix(pinned)));
    }

    static void assertConsistent(String run) {
        JsonNode ended = lockstep.api.awaitEnd(run);
        assertEquals("CONSISTENT", ended.path("state").asText(), ended::toPrettyString);
    }

    static JsonNode decision(JsonNode report, String run) {
        for (JsonNode d : report.path("runs")) {
            if (d.path("runId").asText().equals(run)) {
                return d;
            }
        }
        throw new AssertionError("run " + run + " is not in " + report);
    }

    static String runPrefix(String run) {
        return lockstep.objectPrefix() + "runs/" + plan + "/" + run + "/";
    }

    static boolean blobExists(String blob) {
        return !Repository.keys(Lockstep.BUCKET, lockstep.objectPrefix() + blob).isEmpty();
    }

    /**
     * What a run's object manifest needs stored: each blob's pack ({@code packs/<store>/<uuid>}), or the blob
     * ({@code blobs/<store>/<sha256>}) when it lies under its own key.
     */
    static Set<String> manifestBlobs(String run) throws Exception {
        Path file = Repository.download(
                runPrefix(run) + lockstep.blocksStore + "/objects.jsonl.gz",
                Files.createTempFile("manifest", ".jsonl.gz"));
        Set<String> blobs = new HashSet<>();
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (!line.isBlank()) {
                    JsonNode entry = json.readTree(line);
                    blobs.add(
                            entry.hasNonNull("pack")
                                    ? entry.path("pack").asText()
                                    : entry.path("blob").asText());
                }
            }
        } finally {
            Files.delete(file);
        }
        return blobs;
    }
}
