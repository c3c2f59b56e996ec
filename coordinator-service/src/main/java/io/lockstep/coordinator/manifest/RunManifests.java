package io.lockstep.coordinator.manifest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lockstep.coordinator.catalog.RunBacklog;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.coordinator.rest.Views;
import io.lockstep.protocol.EventCodec;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Writes each ended run's manifest, {@code runs/<plan>/<runId>/run.json}, so the repository describes itself:
 * the plan, the steps with their artifacts and SHA-256s, and the evidence. Runs are picked up from the catalog
 * after they end, so a crash or an unreachable repository only delays the manifest.
 */
@ApplicationScoped
public class RunManifests {

    private static final Logger LOG = Logger.getLogger(RunManifests.class);
    /** 2: with {@code stepDetails} (order, parameters, expected SHA-256, snapshot time and LSN of each step). */
    public static final int FORMAT = io.lockstep.coordinator.resync.RunManifestReader.FORMAT;

    private final RepositoryClient client;
    private final ObjectMapper json = EventCodec.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT);

    @Inject
    RunManifests(RepositoryClient client) {
        this.client = client;
    }

    /** The manifest's key, relative to the repository prefix. */
    public static String key(RunEntity run) {
        return "runs/" + run.plan + "/" + run.id + "/run.json";
    }

    @Scheduled(every = "2s", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void writePending() {
        if (client.get().isEmpty()) {
            return;
        }
        RunBacklog.drain(
                "run manifest",
                "endedAt is not null and manifestWrittenAt is null order by endedAt, id",
                20,
                Duration.ofSeconds(20),
                this::write,
                LOG);
    }

    private void write(UUID id) {
        Map<String, Object> manifest = new LinkedHashMap<>();
        long[] version = {0};
        RunEntity run = QuarkusTransaction.requiringNew().call(() -> {
            RunEntity r = RunEntity.findById(id);
            version[0] = r.version;
            List<StepEntity> steps = StepEntity.ofRun(r.id);
            manifest.put("format", FORMAT);
            // The key-encryption key of run.json itself; each capture step's evidence names its artifact's key.
            client.get()
                    .orElseThrow()
                    .encryptionKeyId()
                    .ifPresent(kek -> manifest.put(
                            "encryption", Map.of("keyId", kek, "scheme", "tink-streaming-aead/AES256_GCM_HKDF_1MB")));
            // run.json is read by anyone holding the repository: hook URLs without their credentials.
            manifest.put("plan", r.planSpec == null ? null : r.planSpec.withoutHookSecrets());
            manifest.put("run", Views.RunView.of(r, steps));
            // What the API's view leaves out but a catalog rebuilt from the repository needs (resync/CatalogResync).
            manifest.put(
                    "stepDetails", steps.stream().map(RunManifests::details).toList());
            return r;
        });
        byte[] body;
        try {
            body = json.writeValueAsBytes(manifest);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        String key = key(run);
        try {
            client.get().orElseThrow().put(key, body);
        } catch (io.lockstep.repository.ArtifactExistsException written) {
            // run.json is written once: an earlier attempt stored it but did not record that it did
            LOG.infof("%s was already written; recording it", key);
        }
        QuarkusTransaction.requiringNew()
                .run(() -> RunEntity.update(
                        "manifestWrittenAt = ?1, statusVersion = ?2 where id = ?3", Instant.now(), version[0], id));
        LOG.debugf("wrote %s", key);
    }

    private static Map<String, Object> details(StepEntity s) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("id", s.id);
        d.put("seq", s.seq);
        d.put("parameters", s.parameters);
        d.put("evidence", s.evidence);
        d.put("expectedSha256", s.expectedSha256);
        d.put("snapshotAt", s.snapshotAt);
        d.put("snapshotLsn", s.snapshotLsn);
        return d;
    }
}
