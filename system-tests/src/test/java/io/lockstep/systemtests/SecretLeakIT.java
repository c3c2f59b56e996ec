package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.CommandLines;
import io.lockstep.systemtests.support.Kafka;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.ParsecApp;
import io.lockstep.systemtests.support.ServiceProcess;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Secrets out of sight: runs a three-store backup, its restore into new targets, and a backup that fails on a wrong
 * database password, with known secrets configured, then looks for every secret in the captured logs of every process, in every record
 * on every {@code lockstep.*} topic, in the API's answers, in the command lines of the services and all their
 * children (pg_dump, pg_restore) and in the children's environments, sampled while the runs went on. One hit
 * fails the test.
 */
class SecretLeakIT {

    static Lockstep lockstep;
    static ParsecApp app;
    static String plan;
    static String badPlan;

    @BeforeAll
    static void setUp() throws Exception {
        lockstep = Lockstep.get();
        app = new ParsecApp(lockstep);
        app.createSchema();
        app.write(200);
        for (String store :
                List.of(lockstep.parsecStore, lockstep.blocksStore, lockstep.docsStore, lockstep.badPasswordStore)) {
            lockstep.api.awaitStoreLive(store);
        }
        plan = "it" + lockstep.id + "-leaks";
        lockstep.api.putPlan(
                plan,
                "{\"stores\": [\"" + lockstep.parsecStore + "\", \"" + lockstep.blocksStore + "\", \""
                        + lockstep.docsStore + "\"], \"references\": [{\"store\": \"" + lockstep.parsecStore
                        + "\", \"database\": \""
                        + lockstep.parsecDb + "\", \"query\": \"select key from blocks\", \"objects\": \""
                        + lockstep.blocksStore
                        + "\"}]}");
        badPlan = "it" + lockstep.id + "-leaks-badpass";
        lockstep.api.putPlan(badPlan, "{\"stores\": [\"" + lockstep.badPasswordStore + "\"]}");
    }

    @AfterAll
    static void tearDown() throws Exception {
        AppDatabase.drop(lockstep.parsecDb);
        AppDatabase.drop(lockstep.parsecDb + "_leak");
        io.lockstep.systemtests.support.Elastic.call(
                "DELETE", "/leak-" + lockstep.docsIndex + "?ignore_unavailable=true", null);
    }

    /** Every secret this build configured, by what it is. */
    static Map<String, String> secrets() {
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("application database password", Lockstep.APP_PG_PASSWORD);
        secrets.put("wrong database password of the bad-password store", "not-the-password");
        secrets.put("S3 secret key", Lockstep.S3_SECRET_KEY);
        secrets.put("Elasticsearch password", Lockstep.ES_PASSWORD);
        secrets.put("admin API token", lockstep.adminToken);
        return secrets;
    }

    @Test
    void noSecretAppearsInLogsEventsApiAnswersOrCommandLines() throws Exception {
        List<String> answers = new ArrayList<>();
        Map<Long, String> commandLines;
        Map<Long, String> environments;
        List<Long> pids = lockstep.services().stream().map(ServiceProcess::pid).toList();
        try (CommandLines sampler = new CommandLines(pids)) {
            String good = startBackup(plan, answers);
            JsonNode run = lockstep.api.awaitEnd(good);
            assertEquals("CONSISTENT", run.path("state").asText(), () -> run.toPrettyString());

            Api.Reply refused = lockstep.api.post("/api/v1/plans/" + badPlan + "/backups", "{}");
            answers.add(refused.raw());
            String bad = refused.status() == 202
                    ? refused.body().path("id").asText()
                    : refused.body().path("runId").asText();
            JsonNode failed = lockstep.api.awaitEnd(bad);
            assertEquals("FAILED", failed.path("state").asText(), "the wrong password fails its run");

            // A restore of the good run into new targets: its pg_restore, logs, events and answers are checked too.
            io.lockstep.systemtests.support.Repository.createBucket(lockstep.blocksBucket + "-leak");
            Api.Reply restore = lockstep.api.post(
                    "/api/v1/runs/" + good + "/restore",
                    "{\"targets\": {\""
                            + lockstep.parsecStore + "\": {\"databases\": {\"" + lockstep.parsecDb + "\": \""
                            + lockstep.parsecDb
                            + "_leak\"}}, \"" + lockstep.blocksStore + "\": {\"bucket\": \"" + lockstep.blocksBucket
                            + "-leak\"}, \"" + lockstep.docsStore
                            + "\": {\"renamePattern\": \"(.+)\", \"renameReplacement\": "
                            + "\"leak-$1\"}}}");
            answers.add(restore.raw());
            assertEquals(202, restore.status(), restore.raw());
            JsonNode restored = lockstep.api.awaitEnd(restore.body().path("id").asText());
            assertEquals("SUCCEEDED", restored.path("state").asText(), restored::toPrettyString);
            answers.add(restored.toString());

            for (String path : List.of(
                    "/api/v1/runs/" + good,
                    "/api/v1/runs/" + bad,
                    "/api/v1/runs?limit=50",
                    "/api/v1/stores",
                    "/api/v1/agents",
                    "/api/v1/plans",
                    "/api/v1/audit?limit=200")) {
                Api.Reply reply = lockstep.api.get(path);
                assertEquals(200, reply.status(), path + ": " + reply.raw());
                answers.add(reply.raw());
            }
            commandLines = sampler.seen();
            environments = sampler.environments();
        }

        Map<String, String> sources = new LinkedHashMap<>();
        for (ServiceProcess service : lockstep.services()) {
            sources.put("log " + service.log(), Files.readString(service.log()));
        }
        List<ConsumerRecord<String, String>> records = Kafka.readAll(lockstep.topics.prefix(), Kafka.plaintext());
        List<ConsumerRecord<String, String>> ours = records.stream()
                .filter(r -> String.valueOf(r.value()).contains(lockstep.id)
                        || String.valueOf(r.key()).contains(lockstep.id))
                .toList();
        assertTrue(
                ours.stream().anyMatch(r -> r.topic().startsWith(lockstep.topics.name("lockstep.commands."))),
                "this build's commands were read");
        assertTrue(
                ours.stream().anyMatch(r -> r.topic().equals(lockstep.topics.agentEvents())),
                "this build's agent events were read");
        for (ConsumerRecord<String, String> r : ours) {
            sources.put(
                    "record " + r.topic() + "/" + r.partition() + "@" + r.offset(),
                    r.key() + " " + r.value() + " " + headers(r));
        }
        // The build's token is unique: it must not be on any record at all, this build's or not.
        records.forEach(r -> {
            if (String.valueOf(r.value()).contains(lockstep.adminToken)) {
                sources.put("record " + r.topic() + "@" + r.offset(), r.value());
            }
        });
        for (int i = 0; i < answers.size(); i++) {
            sources.put("API answer " + i, answers.get(i));
        }
        assertTrue(commandLines.size() > pids.size(), "children of the services were sampled too: " + commandLines);
        commandLines.forEach((pid, line) -> sources.put("cmdline of pid " + pid, line));
        assertTrue(
                environments.values().stream().anyMatch(e -> e.contains("PGPASSFILE=")),
                "the environment of pg_dump was sampled: " + environments.keySet());
        environments.forEach((pid, env) -> sources.put("environment of child pid " + pid, env));

        List<String> hits = new ArrayList<>();
        sources.forEach((where, text) -> secrets().forEach((what, secret) -> {
            if (text.contains(secret)) {
                hits.add(what + " in " + where);
            }
        }));
        assertTrue(hits.isEmpty(), "secrets leaked: " + hits);
        sources.forEach((where, text) -> {
            if (where.startsWith("log ")) {
                assertTrue(text.contains("started in"), "the " + where + " was captured, not empty");
            }
        });
    }

    private static String startBackup(String name, List<String> answers) {
        Api.Reply reply = lockstep.api.post("/api/v1/plans/" + name + "/backups", "{}");
        answers.add(reply.raw());
        assertEquals(202, reply.status(), reply.raw());
        return reply.body().path("id").asText();
    }

    private static String headers(ConsumerRecord<String, String> r) {
        StringBuilder text = new StringBuilder();
        r.headers()
                .forEach(h -> text.append(h.key())
                        .append('=')
                        .append(h.value() == null ? "" : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8))
                        .append(' '));
        return text.toString();
    }
}
