package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.protocol.AgentSources;
import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventSignatures;
import io.lockstep.protocol.EventSigningKey;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StepEvents;
import io.lockstep.protocol.StoreKind;
import io.lockstep.protocol.Topics;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.Elastic;
import io.lockstep.systemtests.support.Kafka;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.Repository;
import io.lockstep.systemtests.support.ScramKafka;
import io.lockstep.systemtests.support.ServiceProcess;
import io.lockstep.systemtests.support.Tokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Authenticated and authorized Kafka: a coordinator, the three agents and the notifier talk only through the broker
 * that requires SASL/SCRAM-SHA-512 (deploy/local/up kafka-scram), each as its own user with the password read from
 * its file and only the ACLs deploy/local/up grants that user for this build's topic prefix; a backup of all three
 * stores reaches CONSISTENT. A client without credentials, or with a wrong password, is refused; a principal that is
 * not an agent cannot put an event on the agent-events topic, and an agent cannot put a command on a commands topic
 * nor read another kind's commands. The agents sign their events and the coordinator requires it: an agent user that
 * names another agent in an event, signed with its own key or unsigned, is refused by the coordinator.
 */
class ScramKafkaIT {

    static Lockstep lockstep;
    static ServiceProcess coordinator;
    static ServiceProcess agent;
    static ServiceProcess objectstoreAgent;
    static ServiceProcess searchAgent;
    static ServiceProcess notifier;
    static String bucket;
    static String index;
    static String bucketStore;
    static String searchStore;
    static Api api;
    static String catalog;
    static String database;
    static String store;
    /** One event signing key file per agent id (0600), which the coordinator requires. */
    static Path agentKeys;

    @BeforeAll
    static void setUp() throws Exception {
        lockstep = Lockstep.get();
        database = "it" + lockstep.id + "_scram";
        store = "it" + lockstep.id + "-scram";
        AppDatabase.recreate(database);
        AppDatabase.fillShop(database, 2_000);
        catalog = "lockstep_it_" + lockstep.id + "_scram";
        Lockstep.createCatalogDatabase(catalog);
        // This build's installation (topic prefix it-<id>.) gets its ACLs the documented way.
        ScramKafka.applyAcls(lockstep.topics.prefix(), lockstep.workDirectory("kafka-scram"));
        bucket = "it-" + lockstep.id + "-scram-bucket";
        Repository.createBucket(bucket);
        Repository.put(bucket, "blocks/1", "one".getBytes(StandardCharsets.UTF_8));
        index = "it" + lockstep.id + "-scram-docs";
        Elastic.recreateIndex(index);
        Elastic.index(index, "1", "{\"title\": \"one\"}");

        agentKeys = lockstep.workDirectory("agent-keys-scram");
        for (String kind : List.of("pg", "os", "es")) {
            writeKey(agentKeys.resolve("it-scram-" + kind + "-" + lockstep.id));
        }

        String token = Tokens.random();
        Map<String, String> coordinatorConfig = new LinkedHashMap<>(ScramKafka.serviceConfig("coordinator"));
        coordinatorConfig.put(Topics.PREFIX_PROPERTY, lockstep.topics.prefix());
        coordinatorConfig.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:5432/" + catalog);
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
        coordinatorConfig.put("lockstep.coordinator.agent-keys-dir", agentKeys.toString());
        coordinatorConfig.put("lockstep.coordinator.require-signed-events", "true");
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
        bucketStore = "it" + lockstep.id + "-scram-bucket";
        objectstoreAgent =
                startAgent("objectstore-agent", "it-scram-os-", c -> Lockstep.bucketStore(c, bucketStore, bucket));
        searchStore = "it" + lockstep.id + "-scram-docs";
        searchAgent = startAgent("search-agent", "it-scram-es-", c -> {
            String docs = "lockstep.search.stores.\"" + searchStore + "\".";
            c.put(docs + "url", Lockstep.ELASTICSEARCH);
            c.put(docs + "indices", index);
            c.put(docs + "repository", "it" + lockstep.id + "-scram");
            c.put(
                    docs + "repository-location",
                    Lockstep.snapshotDirectory()
                            .resolve("it" + lockstep.id + "-scram")
                            .toString());
        });

        Map<String, String> notifierConfig = new LinkedHashMap<>(ScramKafka.serviceConfig("notifier"));
        notifierConfig.put(Topics.PREFIX_PROPERTY, lockstep.topics.prefix());
        notifier = ServiceProcess.start(
                "notifier-scram",
                Lockstep.jar("notifier-service"),
                lockstep.workDirectory("notifier-scram"),
                Lockstep.freePort(),
                notifierConfig);
    }

    /** Starts the agent {@code module} as the SCRAM user of the same name, with the stores {@code stores} adds. */
    private static ServiceProcess startAgent(String module, String idPrefix, Consumer<Map<String, String>> stores)
            throws IOException {
        Map<String, String> config = lockstep.repositoryConfig(idPrefix + lockstep.id);
        config.put("lockstep.repository.prefix", "it/" + lockstep.id + "-scram");
        config.putAll(ScramKafka.serviceConfig(module));
        config.put(
                "lockstep.agent.signing-key-file",
                agentKeys.resolve(idPrefix + lockstep.id).toString());
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
        for (ServiceProcess service : new ServiceProcess[] {notifier, searchAgent, objectstoreAgent, agent}) {
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
        Elastic.call("DELETE", "/" + index + "?ignore_unavailable=true", null);
        ScramKafka.deleteAcls(lockstep.topics.prefix());
    }

    @Test
    void aBackupOfThreeStoresThroughTheScramBrokerWithAclsReachesConsistentAndTheNotifierReadsIt() throws Exception {
        for (String s : List.of(store, bucketStore, searchStore)) {
            api.awaitStoreLive(s);
        }
        String plan = "it" + lockstep.id + "-scram";
        api.putPlan(plan, "{\"stores\": [\"" + store + "\", \"" + bucketStore + "\", \"" + searchStore + "\"]}");
        String runId = api.startBackup(plan);
        JsonNode run = api.awaitEnd(runId);
        assertEquals("CONSISTENT", run.path("state").asText(), () -> run.toPrettyString());

        Properties admin = admin();
        var events = Kafka.readAll(lockstep.topics.runEvents(), admin).stream()
                .filter(r -> r.value().contains(runId) && r.value().contains("consistent"))
                .toList();
        assertEquals(1, events.size(), "the run's consistent event is on the SCRAM broker");
        // The notifier, with only its own ACLs, consumed it: its group committed past the event.
        ConsumerRecord<String, String> consistent = events.get(0);
        TopicPartition partition = new TopicPartition(consistent.topic(), consistent.partition());
        try (Admin client = Admin.create(admin)) {
            Awaitility.await("the notifier's group commits past the consistent event")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        OffsetAndMetadata committed = client.listConsumerGroupOffsets(
                                        lockstep.topics.prefix() + "lockstep-notifier")
                                .partitionsToOffsetAndMetadata()
                                .get()
                                .get(partition);
                        return committed != null && committed.offset() > consistent.offset();
                    });
        }
        var plaintext = Kafka.readAll(lockstep.topics.runEvents(), Kafka.plaintext()).stream()
                .filter(r -> r.value().contains(runId))
                .toList();
        assertTrue(plaintext.isEmpty(), "nothing of this run went through the plaintext broker: " + plaintext);

        for (ServiceProcess service : List.of(coordinator, agent, objectstoreAgent, searchAgent, notifier)) {
            String log = Files.readString(service.log());
            String cmdline = new String(
                    Files.readAllBytes(Path.of("/proc", Long.toString(service.pid()), "cmdline")),
                    StandardCharsets.UTF_8);
            for (String user : List.of(
                    "admin", "coordinator", "postgres-agent", "objectstore-agent", "search-agent", "notifier")) {
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

    @Test
    void aStepEventForgedByAPrincipalThatIsNotAnAgentIsRefusedByTheBrokerAndTheRunIsUnaffected() throws Exception {
        api.awaitStoreLive(store);
        String plan = "it" + lockstep.id + "-scram-forged";
        api.putPlan(plan, "{\"stores\": [\"" + store + "\"]}");
        String runId = api.startBackup(plan);
        StepCommand backup = command(runId);

        // The notifier's user, speaking for the step's own agent, reports the step failed.
        String marker = "forged-" + UUID.randomUUID();
        String forged = new EventCodec(AgentSources.of("it-scram-pg-" + lockstep.id))
                .encode(
                        EventTypes.STEP_FAILED,
                        runId,
                        new StepEvents.Failed(backup.runId(), backup.stepId(), marker, Instant.now()));
        assertRefused(() -> Kafka.send(
                ScramKafka.clientProperties("notifier", ScramKafka.password("notifier")),
                lockstep.topics.agentEvents(),
                null,
                runId,
                forged));

        JsonNode run = api.awaitEnd(runId);
        assertEquals("CONSISTENT", run.path("state").asText(), () -> run.toPrettyString());
        var onTopic = Kafka.readAll(lockstep.topics.agentEvents(), admin()).stream()
                .filter(r -> r.value().contains(marker))
                .toList();
        assertTrue(onTopic.isEmpty(), "the forged event never reached the topic: " + onTopic);
    }

    @Test
    void anAgentPrincipalCanNeitherWriteCommandsNorReadAnotherKindsCommands() throws Exception {
        Properties postgresAgent = ScramKafka.clientProperties("postgres-agent", ScramKafka.password("postgres-agent"));
        String marker = "forged-" + UUID.randomUUID();
        StepCommand command = new StepCommand(
                UUID.randomUUID(),
                UUID.randomUUID(),
                marker,
                store,
                StepAction.BACKUP,
                database,
                marker,
                null,
                Instant.now().plusSeconds(300),
                Map.of(StepCommand.Parameters.AGENT, "it-scram-pg-" + lockstep.id));
        String commands = lockstep.topics.commands(StoreKind.POSTGRES);
        assertRefused(() -> Kafka.send(
                postgresAgent,
                commands,
                null,
                store,
                new EventCodec("/coordinator").encode(EventTypes.STEP_COMMAND, store, command)));
        var onTopic = Kafka.readAll(commands, admin()).stream()
                .filter(r -> r.value().contains(marker))
                .toList();
        assertTrue(onTopic.isEmpty(), "the forged command never reached the topic: " + onTopic);

        // Its own kind's commands only: the search agents' topic is closed to it, even in a group it may use.
        Properties reader = new Properties();
        reader.putAll(postgresAgent);
        reader.put(ConsumerConfig.GROUP_ID_CONFIG, lockstep.topics.prefix() + "lockstep-agent-it-scram-pg-reader");
        reader.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        reader.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (var consumer = new KafkaConsumer<String, String>(reader)) {
            consumer.subscribe(List.of(lockstep.topics.commands(StoreKind.SEARCH)));
            assertThrows(TopicAuthorizationException.class, () -> {
                for (int i = 0; i < 60; i++) {
                    consumer.poll(Duration.ofMillis(500));
                }
            });
        }
    }

    @Test
    void aStepEventNamingAnotherAgentIsRefusedUnlessThatAgentsKeySignedItAndTheRunIsUnaffected() throws Exception {
        api.awaitStoreLive(store);
        String plan = "it" + lockstep.id + "-scram-signed";
        api.putPlan(plan, "{\"stores\": [\"" + store + "\"]}");
        String runId = api.startBackup(plan);
        StepCommand backup = command(runId);

        // The objectstore agent's user may write agent events; it reports the postgres agent's step failed, once with
        // its own key and once unsigned.
        String pgAgent = "it-scram-pg-" + lockstep.id;
        EventSigningKey objectstoreKey = EventSigningKey.load(agentKeys.resolve("it-scram-os-" + lockstep.id));
        String marker = "forged-" + UUID.randomUUID();
        CloudEvent forged = new EventCodec(AgentSources.of(pgAgent))
                .wrap(
                        EventTypes.STEP_FAILED,
                        runId,
                        new StepEvents.Failed(backup.runId(), backup.stepId(), marker, Instant.now()));
        Properties objectstoreUser =
                ScramKafka.clientProperties("objectstore-agent", ScramKafka.password("objectstore-agent"));
        Kafka.send(
                objectstoreUser,
                lockstep.topics.agentEvents(),
                null,
                runId,
                EventCodec.toJson(EventSignatures.sign(forged, objectstoreKey)));
        Kafka.send(
                objectstoreUser,
                lockstep.topics.agentEvents(),
                null,
                runId,
                new EventCodec(AgentSources.of(pgAgent))
                        .encode(
                                EventTypes.STEP_FAILED,
                                runId,
                                new StepEvents.Failed(backup.runId(), backup.stepId(), marker, Instant.now())));

        JsonNode refused = Awaitility.await("both forged events audited")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(300))
                .until(
                        () -> api.get("/api/v1/audit?method=EVENT&targetKind=run&targetId=" + runId)
                                .body(),
                        rows -> rows.size() >= 2);
        assertEquals(2, refused.size(), refused::toPrettyString);
        String details = refused.toString();
        assertTrue(details.contains("signed with key " + objectstoreKey.id()), details);
        assertTrue(details.contains("it is not signed, but its sender has a signing key"), details);
        refused.forEach(r -> {
            assertEquals("agent:" + pgAgent, r.path("subject").asText());
            assertEquals(403, r.path("status").asInt());
        });
        JsonNode run = api.awaitEnd(runId);
        assertEquals("CONSISTENT", run.path("state").asText(), () -> run.toPrettyString());
        assertTrue(!run.toString().contains(marker), "the forged reason is nowhere in the run");

        for (ServiceProcess service : List.of(coordinator, agent, objectstoreAgent, searchAgent)) {
            String log = Files.readString(service.log());
            try (var keys = Files.list(agentKeys)) {
                for (Path key : keys.toList()) {
                    assertTrue(
                            !log.contains(Files.readString(key).strip()),
                            "the signing key " + key.getFileName() + " is in " + service.log());
                }
            }
        }
    }

    /** 32 random bytes, base64, in a file only its owner may read. */
    private static void writeKey(Path file) throws IOException {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        Files.writeString(file, java.util.Base64.getEncoder().encodeToString(key));
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    /** The record is refused by the broker for want of an ACL on its topic. */
    private static void assertRefused(Executable send) {
        Throwable refused = assertThrows(Exception.class, send, "the broker must refuse the record");
        while (!(refused instanceof TopicAuthorizationException) && refused.getCause() != null) {
            refused = refused.getCause();
        }
        assertInstanceOf(TopicAuthorizationException.class, refused, "refused for want of an ACL");
    }

    /** The run's BACKUP command, as the coordinator put it on the postgres agents' topic (read as admin). */
    private static StepCommand command(String runId) {
        String topic = lockstep.topics.commands(StoreKind.POSTGRES);
        return Kafka.readUntil(topic, admin(), rs -> rs.stream().anyMatch(r -> isBackup(r.value(), runId))).stream()
                .filter(r -> isBackup(r.value(), runId))
                .map(r -> EventCodec.decodePayload(r.value(), StepCommand.class))
                .findFirst()
                .orElseThrow();
    }

    private static boolean isBackup(String value, String runId) {
        if (!value.contains(runId)) {
            return false;
        }
        StepCommand command = EventCodec.decodePayload(value, StepCommand.class);
        return command.runId().toString().equals(runId) && command.action() == StepAction.BACKUP;
    }

    private static Properties admin() {
        return ScramKafka.clientProperties("admin", ScramKafka.password("admin"));
    }
}
