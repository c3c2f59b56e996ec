package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.Elastic;
import io.lockstep.systemtests.support.FaultEnv;
import io.lockstep.systemtests.support.Lockstep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 11, "restores never make things worse", for search: an in-place restore proves the snapshot restorable under
 * temporary names before it touches a live index. A snapshot whose files are gone from the cluster's repository fails
 * the restore and leaves the live index, its documents and its alias as they were; a search-agent killed (SIGKILL)
 * after it deleted the live index finishes the swap from the verified copy when it starts again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SearchRestoreFaultIT {

    static FaultEnv env;
    static String backupId;
    static String alias;

    @BeforeAll
    static void backUp() throws Exception {
        env = FaultEnv.startWithSearch(Duration.ofSeconds(60));
        alias = env.searchIndex + "-read";
        Elastic.call(
                "POST",
                "/_aliases",
                "{\"actions\": [{\"add\": {\"index\": \"" + env.searchIndex + "\", \"alias\": \"" + alias + "\"}}]}");
        JsonNode backup = env.awaitEnd(env.backup(), Duration.ofMinutes(3));
        assertEquals("CONSISTENT", backup.path("state").asText(), backup::toPrettyString);
        backupId = backup.path("id").asText();
        assertEquals(1, Elastic.count(env.searchIndex), "the backup holds one document");
    }

    @AfterAll
    static void tearDown() {
        if (env != null) {
            for (String temporary : Elastic.indices("lsrestore-*")) {
                if (temporary.endsWith("-" + env.searchIndex)) {
                    Elastic.call("DELETE", "/" + temporary, null);
                }
            }
            env.close();
        }
    }

    @Test
    @Order(1)
    void aSearchAgentKilledAfterDeletingTheLiveIndexClonesItBackFromTheVerifiedCopy() throws Exception {
        assertEquals(2, Elastic.index(env.searchIndex, "2", "{\"title\": \"after the backup\"}") / 100, "indexed");
        assertEquals(2, Elastic.count(env.searchIndex));
        String pauseLog = "TEST PAUSE at search-restore-live-deleted for";
        env.searchAgent = env.searchAgent.restart(
                Map.of("lockstep.test.pause-at", "search-restore-live-deleted", "lockstep.test.pause-for", "180s"));
        env.api.awaitStoreLive(env.searchStore);
        int before = env.searchAgent.occurrences(pauseLog);
        String runId = restoreSearch();
        Awaitility.await("the search-agent paused with the live index deleted")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> env.searchAgent.occurrences(pauseLog) > before);
        assertEquals(-1, Elastic.count(env.searchIndex), "the fault hits the swap: the live index is deleted");
        assertEquals(1, Elastic.count(alias), "the alias reads the verified copy meanwhile");

        env.searchAgent.kill();
        env.searchAgent = env.searchAgent.restart(FaultEnv.noPause());
        Instant restarted = Instant.now();
        JsonNode run = env.awaitEnd(runId, Duration.ofMinutes(2));
        Duration toTerminal = Duration.between(restarted, Instant.now());
        FaultEnv.record(
                "search restore, search-agent killed with the live index deleted",
                run.path("state").asText() + " " + run.path("error").asText(""),
                toTerminal);
        assertEquals("FAILED", run.path("state").asText(), run::toPrettyString);
        assertTrue(
                run.path("error").asText().contains("restarted"),
                run.path("error").asText());

        Awaitility.await("the restarted search-agent finished the swap")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() ->
                        Elastic.count(env.searchIndex) == 1 && temporaries().isEmpty());
        assertEquals(1, Elastic.count(alias), "the alias is back on the live index");
        assertEquals(
                404,
                Elastic.call("GET", "/" + env.searchIndex + "/_doc/2", null).status(),
                "restored content");
        Awaitility.await("the store resumed")
                .atMost(Duration.ofSeconds(90))
                .until(() -> !Elastic.writeBlocked(env.searchIndex));
    }

    @Test
    @Order(2)
    void aSnapshotWhoseFilesAreGoneLeavesTheLiveIndexAsItWas() throws Exception {
        assertEquals(2, Elastic.index(env.searchIndex, "2", "{\"title\": \"after the backup\"}") / 100, "indexed");
        assertEquals(2, Elastic.count(env.searchIndex));
        int deleted = deleteSnapshotDataFiles();
        assertTrue(deleted > 0, "the snapshot's data files were found and deleted");

        Instant started = Instant.now();
        JsonNode run = env.awaitEnd(restoreSearch(), Duration.ofMinutes(3));
        FaultEnv.record(
                "search restore of a snapshot whose files are gone",
                run.path("state").asText() + " " + run.path("error").asText(""),
                Duration.between(started, Instant.now()));
        assertEquals("FAILED", run.path("state").asText(), run::toPrettyString);
        assertTrue(
                run.path("error").asText().contains("left as they were"),
                run.path("error").asText());
        assertEquals(2, Elastic.count(env.searchIndex), "the live index keeps its documents");
        assertEquals(
                200,
                Elastic.call("GET", "/" + env.searchIndex + "/_doc/2", null).status());
        assertEquals(2, Elastic.count(alias), "and its alias");
        assertEquals(List.of(), temporaries(), "no temporary index is left");
        Awaitility.await("the store resumed")
                .atMost(Duration.ofSeconds(90))
                .until(() -> !Elastic.writeBlocked(env.searchIndex));
    }

    private static String restoreSearch() {
        env.api.awaitStoreLive(env.searchStore);
        Api.Reply reply =
                env.api.post("/api/v1/runs/" + backupId + "/restore", "{\"stores\": [\"" + env.searchStore + "\"]}");
        assertEquals(202, reply.status(), reply.raw());
        return reply.body().path("id").asText();
    }

    private static List<String> temporaries() {
        return Elastic.indices("lsrestore-*").stream()
                .filter(i -> i.endsWith("-" + env.searchIndex))
                .toList();
    }

    /** Deletes the shard data blobs ({@code __*}) of the scenario's snapshot repository; returns how many. */
    private static int deleteSnapshotDataFiles() throws IOException {
        Path indices = Lockstep.snapshotDirectory().resolve("it" + env.id).resolve("indices");
        int deleted = 0;
        try (Stream<Path> files = Files.walk(indices)) {
            for (Path file : files.filter(Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().startsWith("__"))
                    .toList()) {
                Files.delete(file);
                deleted++;
            }
        }
        return deleted;
    }
}
