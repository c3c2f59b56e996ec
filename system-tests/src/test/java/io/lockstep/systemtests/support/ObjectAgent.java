package io.lockstep.systemtests.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.Awaitility;

/**
 * An objectstore-agent of a {@link FaultEnv}'s own, as a real process: its own store, backed by a source bucket of
 * small objects on the local S3-compatible server, and its own plan. Its packs are small ({@link #PACK_SIZE}), so the
 * copies that run on while the test pause ({@code mid-upload}, the step's first progress) holds the step's thread have
 * already put packs of their own: the manifest is not written yet, the packs are in the repository.
 */
public final class ObjectAgent {

    /** Tens of packs for a few hundred small objects. */
    public static final int PACK_SIZE = 16 * 1024;

    public final String store;
    public final String bucket;
    public final String plan;
    public ServiceProcess process;
    private final FaultEnv env;

    private ObjectAgent(FaultEnv env) {
        this.env = env;
        this.store = "it" + env.id + "-obj";
        this.bucket = "it" + env.id + "-objects";
        this.plan = "it" + env.id + "-objects";
    }

    /**
     * Fills the source bucket with {@code objects} objects of 2-8 KiB and starts the agent; its repository is
     * {@code repositoryEndpoint} (the S3-compatible server, or a {@link TcpCut} in front of it) and its first step
     * holds for {@code pause} at its first progress report.
     */
    public static ObjectAgent start(FaultEnv env, int objects, String repositoryEndpoint, Duration pause)
            throws IOException {
        ObjectAgent agent = new ObjectAgent(env);
        Repository.createBucket(agent.bucket);
        Random random = new Random(11);
        for (int i = 0; i < objects; i++) {
            byte[] content = new byte[2048 + random.nextInt(6 * 1024)];
            random.nextBytes(content);
            Repository.put(agent.bucket, String.format("photos/%04d.jpg", i), content);
        }
        Map<String, String> a = new LinkedHashMap<>();
        a.put("lockstep.agent.id", "it-objf-" + env.id);
        a.put("lockstep.agent.heartbeat-interval", "1s");
        // A killed agent's command partitions move to its next life once its Kafka session expires (45 s by default).
        a.put("mp.messaging.incoming.commands.session.timeout.ms", "10000");
        a.put("mp.messaging.incoming.commands.heartbeat.interval.ms", "2000");
        env.repository(a);
        a.put("lockstep.repository.endpoint", repositoryEndpoint);
        a.put("lockstep.repository.create-bucket", "true");
        a.put("lockstep.objectstore.pack-size", Integer.toString(PACK_SIZE));
        Lockstep.bucketStore(a, agent.store, agent.bucket);
        a.putAll(pause(pause));
        agent.process = ServiceProcess.start(
                "objectstore-agent",
                Lockstep.jar("objectstore-agent"),
                env.workDirectory("objectstore-agent"),
                Lockstep.freePort(),
                a);
        env.api.awaitStoreLive(agent.store);
        env.api.putPlan(agent.plan, "{\"stores\": [\"" + agent.store + "\"]}");
        return agent;
    }

    /** The settings of an agent whose first step holds for {@code pause} (none when zero). */
    public static Map<String, String> pause(Duration pause) {
        return Map.of(
                "lockstep.test.pause-at",
                pause.isZero() ? "" : "mid-upload",
                "lockstep.test.pause-for",
                pause.toSeconds() + "s");
    }

    /** Restarts the agent (a new process) with {@code settings} over its own, and waits until its store is live. */
    public void restart(Map<String, String> settings) throws IOException {
        process = process.restart(settings);
        env.api.awaitStoreLive(store);
    }

    /** Starts a backup of this agent's plan and waits until its step holds at the test pause; returns the run id. */
    public String backupHeldAtThePause() {
        int before = process.occurrences(FaultEnv.PAUSE_LOG);
        String runId = env.api.startBackup(plan);
        Awaitility.await("the objectstore-agent paused at its first progress")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> process.occurrences(FaultEnv.PAUSE_LOG) > before);
        return runId;
    }

    /** The packs of this store in the repository, as keys under the environment's prefix. */
    public Set<String> packs() {
        return new TreeSet<>(Repository.keys(env.prefix() + "packs/" + store + "/"));
    }

    /** The packs the object manifest of {@code run} (a run as the API returns it) names. */
    public Set<String> packsNamedBy(JsonNode run) throws IOException {
        Set<String> named = new TreeSet<>();
        for (JsonNode entry : Repository.manifest(env.prefix(), manifestOf(run))) {
            if (entry.hasNonNull("pack")) {
                named.add(env.prefix() + entry.path("pack").asText());
            }
        }
        return named;
    }

    /** The repository key of a run's object manifest, from its backup step's artifact. */
    public String manifestOf(JsonNode run) {
        for (JsonNode s : run.path("steps")) {
            if (s.path("action").asText().equals("BACKUP")
                    && s.path("store").asText().equals(store)) {
                return env.prefix() + s.path("artifact").asText();
            }
        }
        throw new AssertionError("no backup step of " + store + " in " + run.toPrettyString());
    }

    /** Every key the repository holds under a run's prefix (its manifests, run.json, status records). */
    public List<String> runKeys(String runId) {
        return Repository.keys(env.prefix() + "runs/" + plan + "/" + runId + "/");
    }

    /** Restores a run of this plan into a new bucket {@code target} and returns the restore run once it ended. */
    public JsonNode restore(String runId, String target) {
        Repository.createBucket(target);
        Api.Reply reply = env.api.post(
                "/api/v1/runs/" + runId + "/restore",
                "{\"targets\": {\"" + store + "\": {\"bucket\": \"" + target + "\"}}}");
        if (reply.status() != 202) {
            throw new AssertionError("restore not accepted: " + reply.raw());
        }
        return env.awaitEnd(reply.body().path("id").asText(), Duration.ofMinutes(2));
    }
}
