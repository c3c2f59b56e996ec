package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.Repository;
import io.lockstep.systemtests.support.ServiceProcess;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, the catalog rebuilt from the repository alone, against the real processes: a plan over a database and a
 * bucket is backed up twice, one backup pinned and proved by a drill; then a coordinator starts on a NEW, empty catalog
 * database ({@code lockstep_it_<id>_resync}, standing for a catalog that was lost), rebuilds plans, runs and steps with
 * {@code POST /repository/resync}, restores the newest backup into new targets from the rebuilt catalog (the agents
 * re-registered their stores by heartbeats) and runs its drill: PASSED. A second resync adds nothing.
 * <p>
 * The repository is shared with the other tests of this build and with the first coordinator, so only this test's
 * plan is counted, and the rebuilt coordinator runs neither schedules nor retention (the other tests' plans and runs
 * are rebuilt too; their backups are the first coordinator's business).
 */
class CatalogResyncIT {

    static Lockstep lockstep;
    static Api api;
    static String plan;
    static String catalog;
    static ServiceProcess rebuilt;

    @BeforeAll
    static void setUp() throws Exception {
        lockstep = Lockstep.get();
        api = lockstep.api;
        AppDatabase.recreate(lockstep.ordersDb);
        AppDatabase.fillShop(lockstep.ordersDb, 300);
        Repository.createBucket(lockstep.checkBucket);
        Random random = new Random(16);
        for (int i = 0; i < 8; i++) {
            byte[] content = new byte[200 + random.nextInt(2000)];
            random.nextBytes(content);
            Repository.put(lockstep.checkBucket, String.format("resync/%02d.bin", i), content);
        }
        api.awaitStoreLive(lockstep.singleStore);
        api.awaitStoreLive(lockstep.checkStore);
        plan = "it" + lockstep.id + "-resync";
        catalog = "lockstep_it_" + lockstep.id + "_resync";
        api.putPlan(
                plan,
                "{\"stores\": [\"" + lockstep.singleStore + "\", \"" + lockstep.checkStore
                        + "\"], \"retention\": {\"keepLast\": 5}}");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (rebuilt != null) {
            rebuilt.stop();
        }
        if (lockstep != null) {
            Lockstep.dropCatalogDatabase(catalog);
            for (String db : new String[] {lockstep.ordersDb, lockstep.ordersDb + "_rebuilt"}) {
                AppDatabase.drop(db);
            }
        }
    }

    @Test
    void aCatalogRebuiltFromTheRepositoryRestoresARunAndItsDrillPasses() throws Exception {
        JsonNode older = backUp();
        JsonNode newest = backUp();
        Map<String, String> tables = AppDatabase.tableChecksums(lockstep.ordersDb);
        Map<String, String> objects = Repository.objectHashes(lockstep.checkBucket, "resync/");
        // run.json first: what changes after it (the pin, the drill's verdict) goes into status records. A run.json
        // written after both already holds them, and needs no record (this test awaited one and failed then).
        String olderManifest = lockstep.objectPrefix() + "runs/" + plan + "/" + id(older) + "/run.json";
        Awaitility.await("run.json of " + id(older))
                .atMost(Duration.ofSeconds(60))
                .until(() -> !Repository.keys(olderManifest).isEmpty());
        Api.Reply pin = api.patch("/api/v1/runs/" + id(older), "{\"pinned\": true}");
        assertEquals(200, pin.status(), pin.raw());
        Api.Reply verify = api.post("/api/v1/runs/" + id(older) + "/verify", "{\"drill\": true}");
        assertEquals(202, verify.status(), verify.raw());
        JsonNode drill = api.awaitEnd(verify.body().path("id").asText());
        assertEquals("SUCCEEDED", drill.path("state").asText(), drill::toPrettyString);
        // The pin and the drill's verdict changed the backup after its run.json: a status record says so.
        String status = lockstep.objectPrefix() + "runs/" + plan + "/" + id(older) + "/status/";
        Awaitility.await("status record of " + id(older))
                .atMost(Duration.ofSeconds(60))
                .until(() -> statusRecordSays(status));
        for (JsonNode run : new JsonNode[] {older, newest, drill}) {
            String manifest = lockstep.objectPrefix() + "runs/" + plan + "/" + id(run) + "/run.json";
            Awaitility.await("run.json of " + id(run))
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> !Repository.keys(manifest).isEmpty());
        }

        rebuilt = lockstep.startCoordinator(
                "coordinator-resync",
                catalog,
                Map.of(
                        "lockstep.coordinator.scheduler-enabled", "false",
                        "lockstep.coordinator.retention-enabled", "false"));
        Api fresh = new Api("http://127.0.0.1:" + rebuilt.port(), lockstep.adminToken);
        assertEquals(404, fresh.get("/api/v1/runs/" + id(newest)).status(), "the new catalog is empty");

        Api.Reply first = fresh.post("/api/v1/repository/resync", "{}");

        assertEquals(200, first.status(), first.raw());
        JsonNode report = first.body();
        System.out.println("[resync] " + report);
        assertTrue(report.path("catalogWasEmpty").asBoolean(), report::toPrettyString);
        assertEquals(3, report.path("runsByPlan").path(plan).asInt(), report::toPrettyString);
        assertEquals(
                report.path("runsFound").asInt(), report.path("runsCreated").asInt(), report::toPrettyString);
        assertTrue(report.path("runsByState").path("CONSISTENT").asInt() >= 2, report::toPrettyString);
        assertTrue(report.path("runsByState").path("SUCCEEDED").asInt() >= 1, report::toPrettyString);
        assertTrue(report.path("plansCreated").toString().contains("\"" + plan + "\""), report::toPrettyString);
        assertEquals(Map.of("CONSISTENT", 2, "SUCCEEDED", 1), statesOf(fresh), "this plan's runs, rebuilt");
        JsonNode olderRebuilt = fresh.get("/api/v1/runs/" + id(older)).body();
        assertTrue(olderRebuilt.path("pinned").asBoolean(), olderRebuilt::toPrettyString);
        assertTrue(olderRebuilt.path("verified").asBoolean(), olderRebuilt::toPrettyString);
        assertEquals(
                api.get("/api/v1/runs/" + id(newest)).body(),
                fresh.get("/api/v1/runs/" + id(newest)).body(),
                "the newest backup as the first catalog shows it");
        JsonNode rebuiltPlan = fresh.get("/api/v1/plans/" + plan).body();
        assertEquals(5, rebuiltPlan.path("retention").path("keepLast").asInt(), rebuiltPlan::toPrettyString);

        JsonNode again = fresh.post("/api/v1/repository/resync", "{}").body();
        assertEquals(0, again.path("runsCreated").asInt(), again::toPrettyString);
        assertEquals(
                report.path("runsFound").asInt(),
                again.path("runsAlreadyPresent").asInt(),
                again::toPrettyString);

        // The agents announce their stores to the new catalog by their heartbeats; then restore from it.
        fresh.awaitStoreLive(lockstep.singleStore);
        fresh.awaitStoreLive(lockstep.checkStore);
        String copyBucket = lockstep.checkBucket + "-rebuilt";
        Repository.createBucket(copyBucket);
        String targets = "{\"targets\": {\"" + lockstep.singleStore + "\": {\"databases\": {\"" + lockstep.ordersDb
                + "\": \"" + lockstep.ordersDb + "_rebuilt\"}}, \"" + lockstep.checkStore + "\": {\"bucket\": \""
                + copyBucket + "\"}}}";
        Api.Reply started = fresh.post("/api/v1/runs/" + id(newest) + "/restore", targets);
        assertEquals(202, started.status(), started.raw());
        JsonNode restore = fresh.awaitEnd(started.body().path("id").asText());
        assertEquals("SUCCEEDED", restore.path("state").asText(), restore::toPrettyString);
        assertEquals(tables, AppDatabase.tableChecksums(lockstep.ordersDb + "_rebuilt"));
        assertEquals(objects, Repository.objectHashes(copyBucket, "resync/"));

        Api.Reply drillStarted = fresh.post("/api/v1/runs/" + id(newest) + "/verify", "{\"drill\": true}");
        assertEquals(202, drillStarted.status(), drillStarted.raw());
        JsonNode rebuiltDrill = fresh.awaitEnd(drillStarted.body().path("id").asText());
        assertEquals("SUCCEEDED", rebuiltDrill.path("state").asText(), rebuiltDrill::toPrettyString);
        JsonNode verdict = fresh.get("/api/v1/runs/" + id(newest)).body();
        assertTrue(verdict.path("verified").asBoolean(), verdict::toPrettyString);
        assertTrue(verdict.path("verification").path("passed").asBoolean(), verdict::toPrettyString);
        assertFalse(
                api.get("/api/v1/runs/" + id(newest)).body().path("verified").asBoolean(),
                "the first catalog never saw that drill");
    }

    static JsonNode backUp() {
        JsonNode run = api.awaitEnd(api.startBackup(plan));
        assertEquals("CONSISTENT", run.path("state").asText(), run::toPrettyString);
        return run;
    }

    /** Whether the newest status record under {@code prefix} (decrypted as Lockstep reads it) holds the pin and the verdict. */
    static boolean statusRecordSays(String prefix) throws Exception {
        var keys = Repository.keys(prefix);
        if (keys.isEmpty()) {
            return false;
        }
        String newest = keys.stream().sorted().reduce((a, b) -> b).orElseThrow();
        java.nio.file.Path file = java.nio.file.Files.createTempFile("status", ".json");
        try {
            JsonNode record = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(Repository.download(newest, file).toFile());
            return record.path("pinned").asBoolean() && record.path("verified").asBoolean();
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    static Map<String, Integer> statesOf(Api on) {
        Map<String, Integer> states = new TreeMap<>();
        for (JsonNode r : on.get("/api/v1/runs?plan=" + plan + "&limit=50").body()) {
            states.merge(r.path("state").asText(), 1, Integer::sum);
        }
        return states;
    }

    static String id(JsonNode run) {
        return run.path("id").asText();
    }
}
