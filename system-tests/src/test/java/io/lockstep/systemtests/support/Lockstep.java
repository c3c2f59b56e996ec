package io.lockstep.systemtests.support;

import io.lockstep.protocol.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The system under test, started once per test JVM: the packaged coordinator and postgres-agent as real
 * processes, against the real PostgreSQL, Kafka and S3Proxy that {@code deploy/local/up} started in
 * pre-integration-test. Every name is suffixed with this build's id, so runs of the suite (or a demo running
 * beside it) never see each other's stores, plans or consumer groups.
 */
public final class Lockstep {

    public static final String APP_PG_HOST = "127.0.0.1";
    public static final int APP_PG_PORT = Integer.getInteger("lockstep.app-pg.port", 5433);
    public static final String APP_PG_USER = "lockstep";
    /** Local-only password of the cluster deploy/local/up creates. */
    public static final String APP_PG_PASSWORD = System.getProperty("lockstep.app-pg.password", "lockstep-app-secret");

    public static final String S3_ENDPOINT = "http://127.0.0.1:9000";
    public static final String S3_ACCESS_KEY = "lockstep";
    public static final String S3_SECRET_KEY = "lockstep-local-secret";
    public static final String BUCKET = "lockstep-it";
    public static final String KAFKA = "127.0.0.1:9092";
    public static final String ELASTICSEARCH = "http://127.0.0.1:9200";
    /**
     * Secure by default: every service encrypts its artifacts unless {@code -Dlockstep.it.encryption=false}. The
     * key-encryption keyset is generated per test JVM and handed to the services as a 0600 file.
     */
    public static final boolean ENCRYPTION = Boolean.parseBoolean(System.getProperty("lockstep.it.encryption", "true"));

    public static final String KEYSET = io.lockstep.repository.Encryption.generateKeyset();
    /**
     * Basic-auth password the search agent sends to Elasticsearch (the local cluster runs without security and
     * ignores it): a known secret that the leak test looks for.
     */
    public static final String ES_PASSWORD = "lockstep-es-known-secret";

    private static Lockstep instance;

    /** Short id of this build, part of every name the tests create. */
    public final String id = UUID.randomUUID().toString().substring(0, 8);

    /**
     * This build's topics: every service of the build runs with the topic prefix {@code it-<id>.}, so a demo or another
     * build on the same broker never reads this build's commands and events, nor this build theirs.
     */
    public final Topics topics = Topics.withPrefix("it-" + id + ".");

    public final String singleStore = "it" + id + "-single";
    public final String doubleStore = "it" + id + "-double";
    public final String badPasswordStore = "it" + id + "-badpass";
    public final String missingDbStore = "it" + id + "-missing";
    public final String ordersDb = "it" + id + "_orders";
    public final String genomicDb = "it" + id + "_genomic";
    public final String clinicalDb = "it" + id + "_clinical";
    public final String agentId = "it-pg-" + id;
    /** A Parsec-like application: rows in PostgreSQL point at blocks in a bucket, an index is built from both. */
    public final String parsecStore = "it" + id + "-parsec";

    public final String parsecDb = "it" + id + "_parsec";
    public final String blocksStore = "it" + id + "-blocks";
    public final String blocksBucket = "it-" + id + "-blocks";
    public final String missingBucketStore = "it" + id + "-nobucket";
    public final String docsStore = "it" + id + "-docs";
    public final String docsIndex = "it" + id + "-docs";
    public final String badRepoStore = "it" + id + "-badrepo";
    public final String otherIndex = "it" + id + "-other";
    /** A bucket store of its own for the encryption tests. */
    public final String sealedStore = "it" + id + "-sealed";

    public final String sealedBucket = "it-" + id + "-sealed";
    /** A bucket store of its own for the healing tests, whose blobs they delete and damage. */
    public final String healStore = "it" + id + "-heal";

    public final String healBucket = "it-" + id + "-heal";
    /** A bucket store of its own for the repository check's tests, whose blobs they damage and delete. */
    public final String checkStore = "it" + id + "-check";

    public final String checkBucket = "it-" + id + "-check";
    public final Path keysetFile;
    /** This build's admin API token: random, only its SHA-256 is in the coordinator's configuration. */
    public final String adminToken = Tokens.random();
    /** A read-only API token of this build (role viewer), for tests of what a weaker role is refused. */
    public final String viewerToken = Tokens.random();

    public final ServiceProcess coordinator;
    public final ServiceProcess postgresAgent;
    public final ServiceProcess objectstoreAgent;
    public final ServiceProcess searchAgent;
    public final IndexerHooks indexer;
    public final Api api;
    private final Map<String, String> coordinatorConfig = new LinkedHashMap<>();
    private final Path work;
    private final Path repo;
    private ServiceProcess secondCoordinator;
    private Api secondApi;

    private Lockstep() throws IOException {
        repo = Path.of(System.getProperty("lockstep.repo.dir", ".."));
        work = Path.of(System.getProperty("lockstep.test.work", "target/system-test-work"))
                .resolve(id);
        Files.createDirectories(work);
        String catalog = "lockstep_it_" + id;
        createCatalogDatabase(catalog);
        keysetFile = work.resolve("keyset.json");
        Files.deleteIfExists(keysetFile);
        Files.createFile(
                keysetFile,
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keysetFile, KEYSET);

        coordinatorConfig.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:5432/" + catalog);
        coordinatorConfig.put(Topics.PREFIX_PROPERTY, topics.prefix());
        coordinatorConfig.put("mp.messaging.incoming.agent-events.group.id", "lockstep-coordinator-it-" + id);
        coordinatorConfig.put("mp.messaging.incoming.agent-events.auto.offset.reset", "latest");
        coordinatorConfig.put("lockstep.coordinator.agent-liveness", "15s");
        coordinatorConfig.put("lockstep.coordinator.supervise-every", "1s");
        coordinatorConfig.put("lockstep.coordinator.step-timeout", "5m");
        coordinatorConfig.put("lockstep.coordinator.quiesce-lease", "20s");
        coordinatorConfig.put("lockstep.coordinator.schedule-check-every", "1s");
        coordinatorConfig.put("lockstep.coordinator.metrics-refresh-every", "1s");
        coordinatorConfig.put("lockstep.repository.endpoint", S3_ENDPOINT);
        coordinatorConfig.put("lockstep.repository.bucket", BUCKET);
        coordinatorConfig.put("lockstep.repository.prefix", "it/" + id);
        coordinatorConfig.put("lockstep.repository.access-key-id", S3_ACCESS_KEY);
        coordinatorConfig.put("lockstep.repository.secret-access-key", S3_SECRET_KEY);
        encryption(coordinatorConfig);
        coordinatorConfig.put("lockstep.auth.tokens.it-admin.sha256", Tokens.sha256Hex(adminToken));
        coordinatorConfig.put("lockstep.auth.tokens.it-admin.role", "admin");
        coordinatorConfig.put("lockstep.auth.tokens.it-viewer.sha256", Tokens.sha256Hex(viewerToken));
        coordinatorConfig.put("lockstep.auth.tokens.it-viewer.role", "viewer");
        int coordinatorPort = freePort();
        coordinator = ServiceProcess.start(
                "coordinator",
                repo.resolve("coordinator-service/target/quarkus-app/quarkus-run.jar"),
                Files.createDirectories(work.resolve("coordinator")),
                coordinatorPort,
                coordinatorConfig);
        api = new Api("http://127.0.0.1:" + coordinatorPort, adminToken);

        Map<String, String> agentConfig = repositoryConfig(agentId);
        store(agentConfig, singleStore, APP_PG_PASSWORD, ordersDb);
        store(agentConfig, doubleStore, APP_PG_PASSWORD, genomicDb + "," + clinicalDb);
        store(agentConfig, badPasswordStore, "not-the-password", ordersDb);
        store(agentConfig, missingDbStore, APP_PG_PASSWORD, "it" + id + "_does_not_exist");
        store(agentConfig, parsecStore, APP_PG_PASSWORD, parsecDb);
        postgresAgent = ServiceProcess.start(
                "postgres-agent",
                repo.resolve("postgres-agent/target/quarkus-app/quarkus-run.jar"),
                Files.createDirectories(work.resolve("postgres-agent")),
                freePort(),
                agentConfig);

        Map<String, String> objectConfig = repositoryConfig("it-os-" + id);
        bucketStore(objectConfig, blocksStore, blocksBucket);
        bucketStore(objectConfig, missingBucketStore, "it-" + id + "-no-such-bucket");
        bucketStore(objectConfig, sealedStore, sealedBucket);
        bucketStore(objectConfig, healStore, healBucket);
        bucketStore(objectConfig, checkStore, checkBucket);
        // RepositoryCheckIT damages and loses single blobs: its store keeps each blob under its own key (packed
        // blobs are checked in RepositoryCheckTest; the other stores here pack, the agent's default)
        objectConfig.put("lockstep.objectstore.stores.\"" + checkStore + "\".pack-below", "0");
        objectstoreAgent = ServiceProcess.start(
                "objectstore-agent",
                repo.resolve("objectstore-agent/target/quarkus-app/quarkus-run.jar"),
                Files.createDirectories(work.resolve("objectstore-agent")),
                freePort(),
                objectConfig);

        indexer = IndexerHooks.start();
        Map<String, String> searchConfig = repositoryConfig("it-es-" + id);
        String docs = "lockstep.search.stores.\"" + docsStore + "\".";
        searchConfig.put(docs + "url", ELASTICSEARCH);
        searchConfig.put(docs + "username", "lockstep");
        searchConfig.put(docs + "password", ES_PASSWORD);
        searchConfig.put(docs + "indices", docsIndex);
        searchConfig.put(docs + "repository", "it" + id);
        searchConfig.put(
                docs + "repository-location",
                snapshotDirectory().resolve("it" + id).toString());
        searchConfig.put(docs + "quiesce-url", indexer.url("/pause"));
        searchConfig.put(docs + "resume-url", indexer.url("/resume"));
        String bad = "lockstep.search.stores.\"" + badRepoStore + "\".";
        searchConfig.put(bad + "url", ELASTICSEARCH);
        searchConfig.put(bad + "indices", otherIndex);
        searchConfig.put(bad + "repository", "it" + id + "-outside");
        searchConfig.put(
                bad + "repository-location", work.resolve("not-under-path-repo").toString());
        searchAgent = ServiceProcess.start(
                "search-agent",
                repo.resolve("search-agent/target/quarkus-app/quarkus-run.jar"),
                Files.createDirectories(work.resolve("search-agent")),
                freePort(),
                searchConfig);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> cleanUp(catalog), "lockstep-it-cleanup"));
    }

    /**
     * A second coordinator on the same catalog and in the same consumer group, as in a highly available deployment;
     * started on first use and stopped with the first.
     */
    public synchronized Api secondCoordinator() throws IOException {
        if (secondApi == null) {
            int port = freePort();
            secondCoordinator = ServiceProcess.start(
                    "coordinator-2",
                    repo.resolve("coordinator-service/target/quarkus-app/quarkus-run.jar"),
                    Files.createDirectories(work.resolve("coordinator-2")),
                    port,
                    coordinatorConfig);
            secondApi = new Api("http://127.0.0.1:" + port, adminToken);
        }
        return secondApi;
    }

    /**
     * Stops the second coordinator if one runs, for a test that reads one coordinator's per-process counters (a run is
     * concluded by whichever coordinator reads its last event); {@link #secondCoordinator()} starts it again.
     */
    public synchronized void stopSecondCoordinator() {
        if (secondCoordinator != null) {
            secondCoordinator.stop();
            secondCoordinator = null;
            secondApi = null;
        }
    }

    /**
     * A coordinator of its own: this build's coordinator settings on another catalog database (created anew, empty),
     * in another consumer group, with {@code overrides} over them. The caller stops it and drops its database.
     */
    public ServiceProcess startCoordinator(String name, String catalog, Map<String, String> overrides)
            throws IOException {
        createCatalogDatabase(catalog);
        Map<String, String> config = new LinkedHashMap<>(coordinatorConfig);
        config.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:5432/" + catalog);
        config.put("mp.messaging.incoming.agent-events.group.id", "lockstep-coordinator-it-" + id + "-" + name);
        config.putAll(overrides);
        return ServiceProcess.start(
                name,
                repo.resolve("coordinator-service/target/quarkus-app/quarkus-run.jar"),
                Files.createDirectories(work.resolve(name)),
                freePort(),
                config);
    }

    /** Drops a catalog database {@link #startCoordinator} created, once its coordinator stopped. */
    public static void dropCatalogDatabase(String name) {
        try (var c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
                var st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException | RuntimeException e) {
            System.err.println("could not drop " + name + ": " + e.getMessage());
        }
    }

    /** Leaves the shared services as they were: this build's catalog database, indices and topics go. */
    private void cleanUp(String catalog) {
        coordinator.stop();
        if (secondCoordinator != null) {
            secondCoordinator.stop();
        }
        dropCatalogDatabase(catalog);
        try {
            Elastic.call("DELETE", "/" + docsIndex + "," + otherIndex + "?ignore_unavailable=true", null);
            Elastic.call("DELETE", "/_snapshot/it" + id, null);
        } catch (RuntimeException e) {
            System.err.println("could not delete this build's indices: " + e.getMessage());
        }
        Kafka.deleteTopics(topics.prefix());
    }

    /** The settings every agent of this build shares: its id, heartbeats and the backup repository. */
    public Map<String, String> repositoryConfig(String agent) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("lockstep.agent.id", agent);
        config.put(Topics.PREFIX_PROPERTY, topics.prefix());
        config.put("lockstep.agent.heartbeat-interval", "1s");
        config.put("lockstep.repository.endpoint", S3_ENDPOINT);
        config.put("lockstep.repository.bucket", BUCKET);
        config.put("lockstep.repository.prefix", "it/" + id);
        config.put("lockstep.repository.access-key-id", S3_ACCESS_KEY);
        config.put("lockstep.repository.secret-access-key", S3_SECRET_KEY);
        config.put("lockstep.repository.create-bucket", "true");
        config.put("lockstep.repository.part-size", Integer.toString(5 * 1024 * 1024));
        encryption(config);
        return config;
    }

    private void encryption(Map<String, String> config) {
        config.put("lockstep.repository.encryption.enabled", Boolean.toString(ENCRYPTION));
        config.put("lockstep.repository.encryption.keyset-file", keysetFile.toString());
    }

    /** Adds a bucket of the local S3Proxy as a store to an objectstore-agent's settings. */
    public static void bucketStore(Map<String, String> config, String store, String bucket) {
        String p = "lockstep.objectstore.stores.\"" + store + "\".";
        config.put(p + "endpoint", S3_ENDPOINT);
        config.put(p + "bucket", bucket);
        config.put(p + "access-key-id", S3_ACCESS_KEY);
        config.put(p + "secret-access-key", S3_SECRET_KEY);
    }

    /** Elasticsearch's {@code path.repo}, as deploy/local/up configures it. */
    public static Path snapshotDirectory() {
        return runDirectory().resolve("elasticsearch").resolve("snapshots");
    }

    /** deploy/local's state directory, {@code $LOCKSTEP_HOME/run}. */
    public static Path runDirectory() {
        String home = System.getenv("LOCKSTEP_HOME");
        if (home == null) {
            home = "root".equals(System.getProperty("user.name"))
                    ? "/var/lib/lockstep"
                    : System.getProperty("user.home") + "/.cache/lockstep";
        }
        return Path.of(home, "run");
    }

    /** The packaged service {@code module} of this checkout (its quarkus-run.jar). */
    public static Path jar(String module) {
        return Path.of(System.getProperty("lockstep.repo.dir", ".."))
                .resolve(module + "/target/quarkus-app/quarkus-run.jar");
    }

    /** A fresh working directory for one more process of this build. */
    public Path workDirectory(String name) throws IOException {
        return Files.createDirectories(Path.of(System.getProperty("lockstep.test.work", "target/system-test-work"))
                .resolve(id)
                .resolve(name));
    }

    /** Every service process of this build, to inspect their logs and command lines. */
    public java.util.List<ServiceProcess> services() {
        return java.util.List.of(coordinator, postgresAgent, objectstoreAgent, searchAgent);
    }

    /** Adds a PostgreSQL store of the application cluster to a postgres-agent's settings. */
    public static void store(Map<String, String> config, String store, String password, String databases) {
        String p = "lockstep.postgres.stores.\"" + store + "\".";
        config.put(p + "host", APP_PG_HOST);
        config.put(p + "port", Integer.toString(APP_PG_PORT));
        config.put(p + "user", APP_PG_USER);
        config.put(p + "password", password);
        config.put(p + "databases", databases);
    }

    public static synchronized Lockstep get() {
        if (instance == null) {
            try {
                instance = new Lockstep();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    public String objectPrefix() {
        return "it/" + id + "/";
    }

    /** Creates (anew) a catalog database for a coordinator. */
    public static void createCatalogDatabase(String name) {
        try (var c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
                var st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name);
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the catalog database " + name + ": " + e.getMessage(), e);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
