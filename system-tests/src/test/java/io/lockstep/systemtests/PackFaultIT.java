package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.FaultEnv;
import io.lockstep.systemtests.support.ObjectAgent;
import io.lockstep.systemtests.support.Repository;
import io.lockstep.systemtests.support.TcpCut;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
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
 * Issue 13's packs under faults. A small object's blob goes into a pack, and each pack is put in one request before
 * the step's manifest may complete (docs/architecture.md, "Packs"). Both faults hit an objectstore-agent (a real
 * process) whose step is held at its first progress report while its copies run on: packs are in the repository, the
 * manifest is not.
 * <ul>
 * <li>The agent is killed (SIGKILL). The run fails at the restarted agent's first heartbeat, no manifest of it exists,
 * no upload is left open, the next backups are CONSISTENT and restore byte for byte, and the killed step's packs, which
 * no manifest names, are collected by the next blob collection while the kept run's packs stay.</li>
 * <li>The agent's path to the repository is cut for 20 s, shorter than its outage tolerance (60 s). No pack is put
 * while the path is cut; the puts wait instead of failing the step, the run ends CONSISTENT after the path is back,
 * and it restores byte for byte.</li>
 * </ul>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackFaultIT {

    static final int OBJECTS = 600;

    static TcpCut path;
    static FaultEnv env;
    static ObjectAgent objects;

    @BeforeAll
    static void setUp() throws Exception {
        path = new TcpCut(9000);
        env = FaultEnv.start(Duration.ZERO);
        objects = ObjectAgent.start(env, OBJECTS, "http://127.0.0.1:" + path.port(), Duration.ofSeconds(120));
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (objects != null) {
                objects.process.stop();
            }
            if (env != null) {
                env.close();
            }
        } finally {
            path.close();
        }
    }

    @Test
    @Order(1)
    void anAgentKilledWhileItsPacksArePutLeavesNoManifestAndNoPackForever() throws Exception {
        Map<String, String> source = Repository.objectHashes(objects.bucket, "");
        String runId = objects.backupHeldAtThePause();
        Awaitility.await("the copies beside the held step put packs")
                .atMost(Duration.ofSeconds(60))
                .until(() -> objects.packs().size() >= 5);
        objects.process.kill();
        Set<String> orphans = objects.packs(); // every pack the killed step put
        objects.restart(ObjectAgent.pause(Duration.ZERO));
        Instant restarted = Instant.now();

        JsonNode run = env.awaitEnd(runId, Duration.ofMinutes(2));
        FaultEnv.record(
                "objectstore-agent killed with packs put, manifest not written",
                run.path("state").asText() + " " + run.path("error").asText(""),
                Duration.between(restarted, Instant.now()));
        assertEquals("FAILED", run.path("state").asText(), run::toPrettyString);
        assertTrue(
                run.path("error").asText().contains("restarted"),
                run.path("error").asText());
        assertEquals(
                List.of(),
                objects.runKeys(runId).stream()
                        .filter(k -> k.endsWith("objects.jsonl.gz"))
                        .toList(),
                "no manifest of the killed step exists");
        Awaitility.await("no upload left open").atMost(Duration.ofSeconds(30)).until(() -> env.openUploads() == 0);

        JsonNode first = backUp();
        JsonNode second = backUp();
        Set<String> kept = objects.packsNamedBy(second);
        assertEquals(kept, objects.packsNamedBy(first), "nothing changed: the second run names the first's packs");
        assertTrue(Collections.disjoint(orphans, kept), "the runs after the kill wrote packs of their own");
        assertRestores(second, source, "-after-kill");

        env.api.putPlan(objects.plan, "{\"stores\": [\"" + objects.store + "\"], \"retention\": {\"keepLast\": 1}}");
        Api.Reply pass = env.api.post("/api/v1/plans/" + objects.plan + "/retention", "{}");
        assertEquals(200, pass.status(), pass.raw());
        assertTrue(
                env.api.get("/api/v1/runs/" + first.path("id").asText()).body().hasNonNull("expiredAt"), pass.raw());
        assertEquals(
                kept,
                objects.packs(),
                "the collection that followed the expiry deleted the killed step's packs and kept the kept run's: "
                        + pass.raw());
        assertRestores(second, source, "-after-collection");
    }

    @Test
    @Order(2)
    void aRepositoryOutageWhilePacksArePutDoesNotFailTheRun() throws Exception {
        rewriteEveryObject(); // so the next backup copies every object again, into new packs
        Map<String, String> source = Repository.objectHashes(objects.bucket, "");
        objects.restart(ObjectAgent.pause(Duration.ofSeconds(10)));
        Set<String> before = objects.packs();
        String runId = objects.backupHeldAtThePause();
        Instant restored;
        int putDuringTheCut;
        try {
            path.cut();
            Set<String> atTheCut = objects.packs();
            Thread.sleep(20_000); // the fault: 20 s without the repository; the step resumes 10 s before its end
            putDuringTheCut = objects.packs().size() - atTheCut.size();
        } finally {
            path.restore();
            restored = Instant.now();
        }

        JsonNode run = env.awaitEnd(runId, Duration.ofMinutes(3));
        FaultEnv.record(
                "repository cut for 20 s while packs are put",
                run.path("state").asText() + " " + run.path("error").asText(""),
                Duration.between(restored, Instant.now()));
        assertEquals("CONSISTENT", run.path("state").asText(), run::toPrettyString);
        assertEquals(0, putDuringTheCut, "no pack reached the repository while the path was cut");
        Set<String> written = objects.packsNamedBy(run);
        assertTrue(Collections.disjoint(before, written), "every object was copied again, into new packs");
        Instant copyEnded = Instant.parse(step(run).path("endedAt").asText());
        assertTrue(copyEnded.isAfter(restored), "the copy waited for the repository: ended " + copyEnded);
        assertEquals(
                OBJECTS,
                Repository.manifest(env.prefix(), objects.manifestOf(run)).size());
        assertRestores(run, source, "-after-outage");
        Awaitility.await("no upload left open").atMost(Duration.ofSeconds(30)).until(() -> env.openUploads() == 0);
    }

    private static JsonNode backUp() {
        JsonNode run = env.awaitEnd(env.api.startBackup(objects.plan), Duration.ofMinutes(2));
        assertEquals("CONSISTENT", run.path("state").asText(), run::toPrettyString);
        return run;
    }

    private static void assertRestores(JsonNode run, Map<String, String> source, String suffix) throws Exception {
        String target = objects.bucket + suffix;
        JsonNode restore = objects.restore(run.path("id").asText(), target);
        assertEquals("SUCCEEDED", restore.path("state").asText(), restore::toPrettyString);
        assertEquals(source, Repository.objectHashes(target, ""), "the restore matches the bucket byte for byte");
    }

    private static void rewriteEveryObject() {
        Random random = new Random(23);
        for (String key : Repository.keys(objects.bucket, "")) {
            byte[] content = new byte[2048 + random.nextInt(6 * 1024)];
            random.nextBytes(content);
            Repository.put(objects.bucket, key, content);
        }
    }

    private static JsonNode step(JsonNode run) {
        for (JsonNode s : run.path("steps")) {
            if (s.path("action").asText().equals("BACKUP")) {
                return s;
            }
        }
        throw new AssertionError("no backup step in " + run.toPrettyString());
    }
}
