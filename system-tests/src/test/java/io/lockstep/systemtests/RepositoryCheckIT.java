package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.Repository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 16, {@code POST /repository/check}, against the real processes: backups of a plan with a database and a bucket
 * check clean; then a byte flipped in a blob, another blob deleted, a dump deleted and a run's object manifest deleted
 * are each found and named, the runs they harm carry a warning while they stay CONSISTENT, and the blobs only the
 * deleted manifest named are listed as unreachable. Other tests may share this repository, so only problems of this
 * test's plan and store count.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RepositoryCheckIT {

    static Lockstep lockstep;
    static Api api;
    static String plan;
    static String store;
    static final List<JsonNode> runs = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        lockstep = Lockstep.get();
        api = lockstep.api;
        store = lockstep.checkStore;
        AppDatabase.recreate(lockstep.ordersDb);
        AppDatabase.fillShop(lockstep.ordersDb, 200);
        Repository.createBucket(lockstep.checkBucket);
        Random random = new Random(16);
        for (int i = 0; i < 12; i++) {
            byte[] content = new byte[500 + random.nextInt(5000)];
            random.nextBytes(content);
            Repository.put(lockstep.checkBucket, String.format("files/%02d.bin", i), content);
        }
        api.awaitStoreLive(lockstep.singleStore);
        api.awaitStoreLive(store);
        plan = "it" + lockstep.id + "-check";
        api.putPlan(plan, "{\"stores\": [\"" + lockstep.singleStore + "\", \"" + store + "\"]}");
    }

    @AfterAll
    static void dropDatabase() throws Exception {
        if (lockstep != null) {
            AppDatabase.drop(lockstep.ordersDb);
        }
    }

    @Test
    @Order(1)
    void backupsJustTakenCheckClean() {
        runs.add(backUp());
        runs.add(backUp());

        JsonNode check = check(false);

        assertEquals("DONE", check.path("state").asText(), check::toPrettyString);
        assertEquals(List.of(), ours(check), check::toPrettyString);
        JsonNode summary = check.path("summary");
        assertTrue(summary.path("runsChecked").asLong() >= 2, summary::toPrettyString);
        assertTrue(summary.path("blobs").asLong() >= 12, summary::toPrettyString);
        for (JsonNode blob : summary.path("unreachableSample")) {
            assertFalse(blob.asText().startsWith("blobs/" + store + "/"), "every blob is reached: " + blob);
        }
        for (JsonNode run : runs) {
            JsonNode now = api.get("/api/v1/runs/" + id(run)).body();
            assertFalse(now.has("warnings"), now::toPrettyString);
        }
    }

    @Test
    @Order(2)
    void aFlippedByteALostBlobALostDumpAndALostManifestAreEachFoundNamedAndMarkOnTheirRuns() throws Exception {
        JsonNode first = runs.get(0);
        JsonNode second = runs.get(1);
        Repository.put(lockstep.checkBucket, "files/new-in-the-third.bin", new byte[] {1, 6});
        JsonNode third = backUp();
        List<JsonNode> shared = Repository.manifest(objectKey(artifact(first, store)));
        String flipped = shared.get(3).path("blob").asText();
        String lost = shared.get(5).path("blob").asText();
        Set<String> thirdOnly = new HashSet<>();
        for (JsonNode entry : Repository.manifest(objectKey(artifact(third, store)))) {
            thirdOnly.add(entry.path("blob").asText());
        }
        for (JsonNode entry : shared) {
            thirdOnly.remove(entry.path("blob").asText());
        }
        assertEquals(1, thirdOnly.size(), "the new object's blob: " + thirdOnly);

        byte[] stored = Repository.read(Lockstep.BUCKET, objectKey(flipped));
        stored[stored.length / 2] ^= 0x01;
        Repository.put(Lockstep.BUCKET, objectKey(flipped), stored);
        Repository.delete(Lockstep.BUCKET, objectKey(lost));
        String dump = artifact(first, lockstep.singleStore);
        Repository.delete(Lockstep.BUCKET, objectKey(dump));
        String manifest = artifact(third, store);
        Repository.delete(Lockstep.BUCKET, objectKey(manifest));

        JsonNode quick = check(false);
        assertFalse(ours(quick).contains("BLOB_DAMAGED " + flipped + " " + id(first)), "found only by reading");
        assertTrue(ours(quick).contains("BLOB_MISSING " + lost + " " + id(first)), quick::toPrettyString);

        JsonNode full = check(true);

        assertEquals("DONE", full.path("state").asText(), full::toPrettyString);
        Set<String> found = new HashSet<>(ours(full));
        Set<String> expected = Set.of(
                "BLOB_DAMAGED " + flipped + " " + id(first),
                "BLOB_DAMAGED " + flipped + " " + id(second),
                "BLOB_MISSING " + lost + " " + id(first),
                "BLOB_MISSING " + lost + " " + id(second),
                "ARTIFACT_MISSING " + dump + " " + id(first),
                "ARTIFACT_MISSING " + manifest + " " + id(third));
        assertEquals(expected, found, full::toPrettyString);
        List<String> unreachable = new ArrayList<>();
        full.path("summary").path("unreachableSample").forEach(b -> unreachable.add(b.asText()));
        assertTrue(unreachable.containsAll(thirdOnly), "what GC would delete: " + unreachable);
        for (JsonNode run : List.of(first, second, third)) {
            JsonNode now = api.get("/api/v1/runs/" + id(run)).body();
            assertEquals("CONSISTENT", now.path("state").asText(), now::toPrettyString);
            assertTrue(now.path("warnings").size() > 0, "a damaged CONSISTENT run warns: " + now.toPrettyString());
        }
        String warnings =
                api.get("/api/v1/runs/" + id(first)).body().path("warnings").toString();
        assertTrue(warnings.contains(dump) && warnings.contains(flipped) && warnings.contains(lost), warnings);
        System.out.printf(
                "[check] %s problems, %s runs, %s blobs, %s read (%s bytes), %s unreachable%n",
                full.path("summary").path("problems").asText(),
                full.path("summary").path("runsChecked").asText(),
                full.path("summary").path("blobs").asText(),
                full.path("summary").path("blobsRead").asText(),
                full.path("summary").path("bytesRead").asText(),
                full.path("summary").path("unreachableBlobs").asText());
    }

    static JsonNode backUp() {
        JsonNode run = api.awaitEnd(api.startBackup(plan));
        assertEquals("CONSISTENT", run.path("state").asText(), run::toPrettyString);
        return run;
    }

    static JsonNode check(boolean readData) {
        Api.Reply started = api.post("/api/v1/repository/check", "{\"readData\": " + readData + "}");
        assertEquals(202, started.status(), started.raw());
        String id = started.body().path("id").asText();
        JsonNode[] last = new JsonNode[1];
        Awaitility.await("repository check " + id)
                .atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    last[0] = api.get("/api/v1/repository/checks/" + id).body();
                    return !"RUNNING".equals(last[0].path("state").asText());
                });
        return last[0];
    }

    /** The check's problems that touch this test's plan or store, as "KIND key run". */
    static List<String> ours(JsonNode check) {
        List<String> mine = new ArrayList<>();
        for (JsonNode p : check.path("summary").path("problemList")) {
            String key = p.path("key").asText();
            if (key.startsWith("runs/" + plan + "/") || key.startsWith("blobs/" + store + "/")) {
                mine.add(p.path("kind").asText() + " " + key + " "
                        + p.path("run").asText());
            }
        }
        return mine;
    }

    static String artifact(JsonNode run, String ofStore) {
        for (JsonNode s : run.path("steps")) {
            if (s.path("action").asText().equals("BACKUP")
                    && s.path("store").asText().equals(ofStore)) {
                return s.path("artifact").asText();
            }
        }
        throw new AssertionError("no BACKUP step of " + ofStore + " in " + run.toPrettyString());
    }

    static String objectKey(String key) {
        return lockstep.objectPrefix() + key;
    }

    static String id(JsonNode run) {
        return run.path("id").asText();
    }
}
