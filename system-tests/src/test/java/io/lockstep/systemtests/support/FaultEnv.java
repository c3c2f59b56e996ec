package io.lockstep.systemtests.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.protocol.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A Lockstep of its own for one fault scenario, so killing or restarting its processes never disturbs the other
 * system tests: a coordinator on its own catalog database, consumer group and port, and a postgres-agent with its
 * own id, store, database and repository prefix. Both are the packaged services, as real processes, restartable on
 * the same port. The agent starts with the test-only pause {@code lockstep.test.pause-at=mid-upload} (agent-core's
 * {@code TestPause}): the first dump it streams stops for {@code pauseFor} with a multipart upload open, and its log
 * says {@code TEST PAUSE at mid-upload}.
 */
public final class FaultEnv implements AutoCloseable {

    /** The coordinator judges liveness over 10 s here; the step deadline stays at 5 min, far beyond. */
    public static final Duration LIVENESS = Duration.ofSeconds(10);

    public static final Duration STEP_TIMEOUT = Duration.ofMinutes(5);
    /** What the agent logs when the test pause starts (its log keeps every life of the process). */
    public static final String PAUSE_LOG = "TEST PAUSE at mid-upload for";

    public final String id = "f" + UUID.randomUUID().toString().substring(0, 7);
    /** This environment's topics (prefix {@code it-<id>.}): its services see no other installation's records. */
    public final Topics topics = Topics.withPrefix("it-" + id + ".");

    public final String store = "it" + id + "-pg";
    public final String database = "it" + id + "_db";
    public final String agentId = "it-pgf-" + id;
    public final String plan = "it" + id + "-plan";
    public final String catalog = "lockstep_it_" + id;
    public final String token = Tokens.random();
    /** With {@link #startWithSearch}: a search store of its own, one index, served by {@link #searchAgent}. */
    public final String searchStore = "it" + id + "-es";

    public final String searchIndex = "it" + id + "-docs";
    public ServiceProcess coordinator;
    public ServiceProcess agent;
    public ServiceProcess searchAgent;
    public final Api api;
    private final Path work;
    private final Path keyset;

    private FaultEnv(Duration pauseFor) throws Exception {
        this(pauseFor, null, LIVENESS, null);
    }

    /**
     * @param agentRepository the repository endpoint of the postgres-agent alone (a {@link TcpCut}), or null for the
     *     suite's S3-compatible server
     */
    private FaultEnv(Duration pauseFor, Duration quiesceLease, Duration liveness, String agentRepository)
            throws Exception {
        this(pauseFor, quiesceLease, liveness, agentRepository, Duration.ZERO, Map.of());
    }

    /**
     * @param searchPause how long the search-agent pauses at its first copy progress ({@code mid-upload}), or zero
     * @param agentSettings settings of the postgres-agent over the environment's own
     */
    private FaultEnv(
            Duration pauseFor,
            Duration quiesceLease,
            Duration liveness,
            String agentRepository,
            Duration searchPause,
            Map<String, String> agentSettings)
            throws Exception {
        work = Files.createDirectories(Path.of(System.getProperty("lockstep.test.work", "target/system-test-work"))
                .resolve(id));
        keyset = work.resolve("keyset.json");
        Files.createFile(keyset, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyset, Lockstep.KEYSET);
        Lockstep.createCatalogDatabase(catalog);
        createDatabase();

        Map<String, String> c = new LinkedHashMap<>();
        c.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:5432/" + catalog);
        c.put("mp.messaging.incoming.agent-events.group.id", "lockstep-coordinator-it-" + id);
        c.put("mp.messaging.incoming.agent-events.auto.offset.reset", "latest");
        // A killed coordinator's partitions move to its successor once its Kafka session expires (45 s by default).
        c.put("mp.messaging.incoming.agent-events.session.timeout.ms", "10000");
        c.put("mp.messaging.incoming.agent-events.heartbeat.interval.ms", "2000");
        c.put("lockstep.coordinator.agent-liveness", liveness.toSeconds() + "s");
        c.put("lockstep.coordinator.supervise-every", "1s");
        c.put("lockstep.coordinator.step-timeout", STEP_TIMEOUT.toMinutes() + "m");
        c.put("lockstep.coordinator.quiesce-lease", quiesceLease == null ? "20s" : quiesceLease.toSeconds() + "s");
        c.put("lockstep.coordinator.scheduler-enabled", "false");
        c.put("lockstep.coordinator.retention-enabled", "false");
        repository(c);
        c.put("lockstep.auth.tokens.it-admin.sha256", Tokens.sha256Hex(token));
        c.put("lockstep.auth.tokens.it-admin.role", "admin");
        int port = Lockstep.freePort();
        coordinator = ServiceProcess.start(
                "coordinator",
                Lockstep.jar("coordinator-service"),
                Files.createDirectories(work.resolve("coordinator")),
                port,
                c);
        api = new Api("http://127.0.0.1:" + port, token);

        Map<String, String> a = new LinkedHashMap<>();
        a.put("lockstep.agent.id", agentId);
        a.put("lockstep.agent.heartbeat-interval", "1s");
        // A killed agent's command partitions move to its next life once its Kafka session expires (45 s by default).
        a.put("mp.messaging.incoming.commands.session.timeout.ms", "10000");
        a.put("mp.messaging.incoming.commands.heartbeat.interval.ms", "2000");
        repository(a);
        if (agentRepository != null) {
            a.put("lockstep.repository.endpoint", agentRepository);
        }
        a.put("lockstep.repository.create-bucket", "true");
        a.put("lockstep.repository.part-size", Integer.toString(5 * 1024 * 1024));
        Lockstep.store(a, store, Lockstep.APP_PG_PASSWORD, database);
        a.put("lockstep.test.pause-at", pauseFor.isZero() ? "" : "mid-upload");
        a.put("lockstep.test.pause-for", pauseFor.toSeconds() + "s");
        a.putAll(agentSettings);
        agent = ServiceProcess.start(
                "postgres-agent",
                Lockstep.jar("postgres-agent"),
                Files.createDirectories(work.resolve("postgres-agent")),
                Lockstep.freePort(),
                a);
        api.awaitStoreLive(store);
        if (quiesceLease == null) {
            api.putPlan(plan, "{\"stores\": [\"" + store + "\"]}");
            return;
        }
        Elastic.recreateIndex(searchIndex);
        Elastic.index(searchIndex, "1", "{\"title\": \"first\"}");
        Map<String, String> s = new LinkedHashMap<>();
        s.put("lockstep.agent.id", "it-esf-" + id);
        s.put("lockstep.agent.heartbeat-interval", "1s");
        repository(s);
        s.put("lockstep.repository.create-bucket", "true");
        String es = "lockstep.search.stores.\"" + searchStore + "\".";
        s.put(es + "url", Lockstep.ELASTICSEARCH);
        s.put("lockstep.test.pause-at", searchPause.isZero() ? "" : "mid-upload");
        s.put("lockstep.test.pause-for", searchPause.toSeconds() + "s");
        s.put(es + "indices", searchIndex);
        s.put(es + "repository", "it" + id);
        s.put(
                es + "repository-location",
                Lockstep.snapshotDirectory().resolve("it" + id).toString());
        searchAgent = ServiceProcess.start(
                "search-agent",
                Lockstep.jar("search-agent"),
                Files.createDirectories(work.resolve("search-agent")),
                Lockstep.freePort(),
                s);
        api.awaitStoreLive(searchStore);
        api.putPlan(plan, "{\"stores\": [\"" + store + "\", \"" + searchStore + "\"]}");
    }

    /**
     * Starts a fault environment whose plan also backs up a search store (its own index and search-agent), with
     * the coordinator's quiesce lease set to {@code quiesceLease}; the postgres-agent does not pause.
     */
    public static FaultEnv startWithSearch(Duration quiesceLease) throws Exception {
        return new FaultEnv(Duration.ZERO, quiesceLease, LIVENESS, null);
    }

    /**
     * Like {@link #startWithSearch}, with the search-agent holding its first snapshot copy for {@code pause} once the
     * first file is stored: the snapshot is complete and reported, its files not all copied.
     */
    public static FaultEnv startWithSearchPausedMidCopy(Duration quiesceLease, Duration pause) throws Exception {
        return new FaultEnv(Duration.ZERO, quiesceLease, LIVENESS, null, pause, Map.of());
    }

    /** Like {@link #start}, with the coordinator judging liveness over {@code liveness} instead of {@link #LIVENESS}. */
    public static FaultEnv startWithLiveness(Duration pauseFor, Duration liveness) throws Exception {
        return new FaultEnv(pauseFor, null, liveness, null);
    }

    /** Like {@link #start}, with the postgres-agent reaching the repository through {@code path} alone. */
    public static FaultEnv startBehind(Duration pauseFor, TcpCut path) throws Exception {
        return new FaultEnv(pauseFor, null, LIVENESS, "http://127.0.0.1:" + path.port());
    }

    /** Like {@link #startBehind(Duration, TcpCut)}, with further settings of the postgres-agent. */
    public static FaultEnv startBehind(Duration pauseFor, TcpCut path, Map<String, String> agentSettings)
            throws Exception {
        return new FaultEnv(pauseFor, null, LIVENESS, "http://127.0.0.1:" + path.port(), Duration.ZERO, agentSettings);
    }

    /** Starts a fault environment whose agent pauses its first upload for {@code pauseFor}. */
    public static FaultEnv start(Duration pauseFor) throws Exception {
        return new FaultEnv(pauseFor);
    }

    /** Adds this environment's topics and backup repository (its own prefix, its keyset) to a service's settings. */
    public void repository(Map<String, String> config) {
        config.put(Topics.PREFIX_PROPERTY, topics.prefix());
        config.put("lockstep.repository.endpoint", Lockstep.S3_ENDPOINT);
        config.put("lockstep.repository.bucket", Lockstep.BUCKET);
        config.put("lockstep.repository.prefix", "it/" + id);
        config.put("lockstep.repository.access-key-id", Lockstep.S3_ACCESS_KEY);
        config.put("lockstep.repository.secret-access-key", Lockstep.S3_SECRET_KEY);
        config.put("lockstep.repository.encryption.enabled", Boolean.toString(Lockstep.ENCRYPTION));
        config.put("lockstep.repository.encryption.keyset-file", keyset.toString());
    }

    /** About 10 MB of poorly compressible rows: the dump needs two 5 MiB parts, so it is a real multipart upload. */
    private void createDatabase() throws SQLException {
        AppDatabase.recreate(database);
        try (var db = AppDatabase.connect(database);
                var st = db.createStatement()) {
            st.execute("CREATE TABLE readings (id bigint PRIMARY KEY, payload text NOT NULL)");
            st.execute("INSERT INTO readings SELECT g, md5(random()::text) || md5(random()::text) || md5(g::text) "
                    + "FROM generate_series(1, 250000) g");
        }
    }

    /** A working directory of this environment's, for a service it starts. */
    public Path workDirectory(String name) throws IOException {
        return Files.createDirectories(work.resolve(name));
    }

    /** A second coordinator on this environment's catalog and consumer group, on a port of its own. */
    public ServiceProcess secondCoordinator() throws IOException {
        return coordinator.twin(work.resolve("coordinator-2"), Lockstep.freePort());
    }

    public String prefix() {
        return "it/" + id + "/";
    }

    /** Multipart uploads open under this environment's repository prefix. */
    public int openUploads() {
        return Repository.openUploads(prefix()).size();
    }

    /** Objects under {@code tmp/} in this environment's repository prefix. */
    public int tmpObjects() {
        return Repository.keys(prefix() + "tmp/").size();
    }

    /** How many times the agent (in all its lives) paused mid-upload so far. */
    public int pauses() {
        return agent.occurrences(PAUSE_LOG);
    }

    /** Waits until the agent pauses mid-upload once more than {@code before} times. */
    public void awaitPause(int before) {
        Awaitility.await("the agent paused mid-upload")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> pauses() > before);
    }

    /** Polls a run (a backup, or a restore: SUCCEEDED) until it is terminal, for at most {@code bound}; returns it. */
    public JsonNode awaitEnd(String runId, Duration bound) {
        JsonNode[] last = new JsonNode[1];
        try {
            Awaitility.await("run " + runId + " ends")
                    .atMost(bound)
                    .pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions()
                    .until(() -> {
                        last[0] = api.get("/api/v1/runs/" + runId).body();
                        return Set.of("CONSISTENT", "SUCCEEDED", "FAILED", "CANCELLED")
                                .contains(last[0].path("state").asText());
                    });
        } catch (ConditionTimeoutException e) {
            // Say where it stood: the run as last read and what the coordinator logged last.
            throw new AssertionError(
                    "run " + runId + " did not end within " + bound + "; last read: "
                            + (last[0] == null ? "nothing" : last[0].toPrettyString())
                            + "\ncoordinator log tail:\n" + coordinator.tail(),
                    e);
        }
        return last[0];
    }

    /** Starts a backup, expecting 202, and returns the run id. */
    public String backup() {
        return api.startBackup(plan);
    }

    /** Records a scenario's outcome in target/fault-results.txt (and stdout) for the report. */
    public static void record(String scenario, String outcome, Duration toTerminal) {
        String line = String.format(
                "%s %s outcome=%s terminal-after=%.1fs%n",
                Instant.now(), scenario, outcome, toTerminal.toMillis() / 1000.0);
        System.out.print("FAULT-RESULT " + line);
        try {
            Path results = Path.of(System.getProperty("lockstep.test.work", "target/system-test-work"))
                    .getParent()
                    .resolve("fault-results.txt");
            Files.writeString(results, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("cannot record the fault result: " + e.getMessage());
        }
    }

    /** The agent's settings without the test pause (a restarted agent that should just work). */
    public static Map<String, String> noPause() {
        return Map.of("lockstep.test.pause-at", "");
    }

    @Override
    public void close() {
        for (ServiceProcess p : java.util.Arrays.asList(coordinator, agent, searchAgent)) {
            if (p != null) {
                p.stop();
            }
        }
        if (searchAgent != null) {
            Elastic.call("DELETE", "/" + searchIndex + "?ignore_unavailable=true", null);
            Elastic.call("DELETE", "/_snapshot/it" + id, null);
        }
        try (var c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
                var st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + catalog + " WITH (FORCE)");
        } catch (SQLException e) {
            System.err.println("could not drop " + catalog + ": " + e.getMessage());
        }
        try {
            AppDatabase.drop(database);
        } catch (SQLException e) {
            System.err.println("could not drop " + database + ": " + e.getMessage());
        }
        Kafka.deleteTopics(topics.prefix());
    }
}
