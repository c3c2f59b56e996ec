package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.protocol.Topics;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.Kafka;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.ScramKafka;
import io.lockstep.systemtests.support.ServiceProcess;
import io.lockstep.systemtests.support.Tokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Authenticated Kafka: a coordinator and the three agents talk only through the broker that requires
 * SASL/SCRAM-SHA-512 (deploy/local/up kafka-scram), each as its own user with the password read from its file;
 * a database backup reaches CONSISTENT. A client without credentials, or with a wrong password, is refused.
 */
class ScramKafkaIT {

    static Lockstep lockstep;
    static ServiceProcess coordinator;
    static ServiceProcess agent;
    static ServiceProcess objectstoreAgent;
    static ServiceProcess searchAgent;
    static String bucketStore;
    static String searchStore;
    static Api api;
    static String catalog;
    static String database;
    static String store;

    @BeforeAll
    static void setUp() throws Exception {
        lockstep = Lockstep.get();
        database = "it" + lockstep.id + "_scram";
        store = "it" + lockstep.id + "-scram";
        AppDatabase.recreate(database);
        AppDatabase.fillShop(database, 2_000);
        catalog = "lockstep_it_" + lockstep.id + "_scram";
        Lockstep.createCatalogDatabase(catalog);

        String token = Tokens.random();
        Map<String, String> coordinatorConfig = new LinkedHashMap<>(ScramKafka.serviceConfig("coordinator"));
        coordinatorConfig.put(Topics.PREFIX_PROPERTY, lockstep.topics.prefix());
        coordinatorConfig.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:5432/" + catalog);
        coordinatorConfig.put(
                "mp.messaging.incoming.agent-events.group.id", "lockstep-coordinator-it-scram-" + lockstep.id);
        coordinatorConfig.put("mp.messaging.incoming.agent-events.auto.offset.reset", "latest");
        coordinatorConfig.put("lockstep.coordinator.agent-liveness", "15s");
        coordinatorConfig.put("lockstep.coordinator.supervise-every", "1s");
        coordinatorConfig.put("lockstep.coordinator.step-timeout", "5m");
        coordinatorConfig.put("lockstep.repository.endpoint", Lockstep.S3_ENDPOINT);
        coordinatorConfig.put("lockstep.repository.bucket", Lockstep.BUCKET);
        coordinatorConfig.put("lockstep.repository.prefix", "it/" + lockstep.id + "-scram");
        coordinatorConfig.put("lockstep.repository.access-key-id", Lockstep.S3_ACCESS_KEY);
        coordinatorConfig.put("lockstep.repository.secret-access-key", Lockstep.S3_SECRET_KEY);
        coordinatorConfig.put("lockstep.auth.tokens.it-admin.sha256", Tokens.sha256Hex(token));
        coordinatorConfig.put("lockstep.auth.tokens.it-admin.role", "admin");
        int port = Lockstep.freePort();
        coordinator = ServiceProcess.start(
                "coordinator-scram",
                Lockstep.jar("coordinator-service"),
                lockstep.workDirectory("coordinator-scram"),
                port,
                coordinatorConfig);
        api = new Api("http://127.0.0.1:" + port, token);

        agent = startAgent(
                "postgres-agent", "it-scram-pg-", c -> Lockstep.store(c, store, Lockstep.APP_PG_PASSWORD, database));
        // The other agents only announce a store each: their heartbeats reach the coordinator through SCRAM too.
        bucketStore = "it" + lockstep.id + "-scram-bucket";
        objectstoreAgent = startAgent(
                "objectstore-agent", "it-scram-os-", c -> Lockstep.bucketStore(c, bucketStore, lockstep.blocksBucket));
        searchStore = "it" + lockstep.id + "-scram-docs";
        searchAgent = startAgent("search-agent", "it-scram-es-", c -> {
            String docs = "lockstep.search.stores.\"" + searchStore + "\".";
            c.put(docs + "url", Lockstep.ELASTICSEARCH);
            c.put(docs + "indices", lockstep.docsIndex);
            c.put(docs + "repository", "it" + lockstep.id + "-scram");
            c.put(
                    docs + "repository-location",
                    Lockstep.snapshotDirectory()
                            .resolve("it" + lockstep.id + "-scram")
                            .toString());
        });
    }

    /** Starts the agent {@code module} as the SCRAM user of the same name, with the stores {@code stores} adds. */
    private static ServiceProcess startAgent(String module, String idPrefix, Consumer<Map<String, String>> stores)
            throws IOException {
        Map<String, String> config = lockstep.repositoryConfig(idPrefix + lockstep.id);
        config.put("lockstep.repository.prefix", "it/" + lockstep.id + "-scram");
        config.putAll(ScramKafka.serviceConfig(module));
        stores.accept(config);
        return ServiceProcess.start(
                module + "-scram",
                Lockstep.jar(module),
                lockstep.workDirectory(module + "-scram"),
                Lockstep.freePort(),
                config);
    }

    @AfterAll
    static void tearDown() throws Exception {
        for (ServiceProcess service : new ServiceProcess[] {searchAgent, objectstoreAgent, agent}) {
            if (service != null) {
                service.stop();
            }
        }
        if (coordinator != null) {
            coordinator.stop();
        }
        AppDatabase.drop(database);
        try (var c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
                var st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + catalog + " WITH (FORCE)");
        }
    }

    @Test
    void aBackupThroughTheScramBrokerReachesConsistentAndItsEventsAreOnThatBroker() throws Exception {
        api.awaitStoreLive(store);
        String plan = "it" + lockstep.id + "-scram";
        api.putPlan(plan, "{\"stores\": [\"" + store + "\"]}");
        String runId = api.startBackup(plan);
        JsonNode run = api.awaitEnd(runId);
        assertEquals("CONSISTENT", run.path("state").asText(), () -> run.toPrettyString());

        Properties admin = ScramKafka.clientProperties("admin", ScramKafka.password("admin"));
        var events = Kafka.readAll(lockstep.topics.runEvents(), admin).stream()
                .filter(r -> r.value().contains(runId) && r.value().contains("consistent"))
                .toList();
        assertEquals(1, events.size(), "the run's consistent event is on the SCRAM broker");
        var plaintext = Kafka.readAll(lockstep.topics.runEvents(), Kafka.plaintext()).stream()
                .filter(r -> r.value().contains(runId))
                .toList();
        assertTrue(plaintext.isEmpty(), "nothing of this run went through the plaintext broker: " + plaintext);

        for (ServiceProcess service : List.of(coordinator, agent, objectstoreAgent, searchAgent)) {
            String log = Files.readString(service.log());
            String cmdline = new String(
                    Files.readAllBytes(Path.of("/proc", Long.toString(service.pid()), "cmdline")),
                    StandardCharsets.UTF_8);
            for (String user : List.of("coordinator", "postgres-agent", "objectstore-agent", "search-agent")) {
                String password = ScramKafka.password(user);
                assertTrue(
                        !log.contains(password) && !cmdline.contains(password),
                        "the SCRAM password of " + user + " is in " + service.log() + " or its command line");
            }
        }
    }

    @Test
    void everyAgentReachesTheCoordinatorThroughTheScramBroker() {
        for (String s : List.of(store, bucketStore, searchStore)) {
            api.awaitStoreLive(s);
        }
        JsonNode agents = api.get("/api/v1/agents").body();
        List<String> ours = new java.util.ArrayList<>();
        agents.forEach(a -> {
            if (a.path("id").asText().contains(lockstep.id) && a.path("live").asBoolean()) {
                ours.add(a.path("id").asText());
            }
        });
        assertEquals(
                List.of("it-scram-es-" + lockstep.id, "it-scram-os-" + lockstep.id, "it-scram-pg-" + lockstep.id),
                ours.stream().sorted().toList(),
                "this build's three agents, all through SCRAM: " + agents);
    }

    @Test
    void aClientWithoutCredentialsIsRefused() {
        Properties none = ScramKafka.clientProperties(null, null);
        none.put("default.api.timeout.ms", "4000");
        none.put("request.timeout.ms", "2000");
        try (Admin admin = Admin.create(none)) {
            ExecutionException e = assertThrows(
                    ExecutionException.class, () -> admin.listTopics().names().get());
            assertInstanceOf(TimeoutException.class, e.getCause(), "a client without SASL never gets an answer");
        }
    }

    @Test
    void aClientWithAWrongPasswordIsRefusedAndTheRightOneIsAccepted() throws Exception {
        Properties wrong = ScramKafka.clientProperties("coordinator", "not-the-password");
        wrong.put("default.api.timeout.ms", "10000");
        wrong.put("request.timeout.ms", "5000");
        try (Admin admin = Admin.create(wrong)) {
            ExecutionException e = assertThrows(
                    ExecutionException.class, () -> admin.listTopics().names().get());
            assertInstanceOf(SaslAuthenticationException.class, e.getCause(), "authentication fails: " + e.getCause());
        }
        try (Admin admin =
                Admin.create(ScramKafka.clientProperties("coordinator", ScramKafka.password("coordinator")))) {
            assertEquals(1, admin.describeCluster().nodes().get().size(), "the right password gets an answer");
        }
    }
}
