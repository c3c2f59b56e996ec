package io.lockstep.coordinator.repository;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.config.RepositoryConfig;
import io.lockstep.coordinator.plan.PlanService;
import io.lockstep.coordinator.rest.Views;
import io.lockstep.protocol.EventCodec;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Writes each ended run's manifest, {@code runs/<plan>/<runId>/run.json}, so the repository describes itself:
 * the plan, the steps with their artifacts and SHA-256s, and the evidence. Runs are picked up from the catalog
 * after they end, so a crash or an unreachable repository only delays the manifest.
 */
@ApplicationScoped
public class RunManifests {

    private static final Logger LOG = Logger.getLogger(RunManifests.class);
    public static final int FORMAT = 1;

    @Inject
    RepositoryConfig config;

    private final ObjectMapper json = EventCodec.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT);
    private S3Client s3;

    @PostConstruct
    void init() {
        if (config.bucket().isEmpty()) {
            LOG.warn("lockstep.repository.bucket is not set: run manifests (run.json) are not written");
            return;
        }
        var builder = S3Client.builder().region(Region.of(config.region())).forcePathStyle(config.pathStyle())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(config.accessKeyId().isPresent() && config.secretAccessKey().isPresent()
                        ? StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKeyId().get(),
                                config.secretAccessKey().get()))
                        : DefaultCredentialsProvider.builder().build());
        config.endpoint().ifPresent(builder::endpointOverride);
        s3 = builder.build();
    }

    @PreDestroy
    void close() {
        if (s3 != null) {
            s3.close();
        }
    }

    public static String key(String prefix, RunEntity run) {
        String p = prefix == null || prefix.isBlank() ? "" : prefix.replaceAll("^/+|/+$", "") + "/";
        return p + "runs/" + run.plan + "/" + run.id + "/run.json";
    }

    @Scheduled(every = "2s", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void writePending() {
        if (s3 == null) {
            return;
        }
        List<UUID> pending = QuarkusTransaction.requiringNew().call(() -> RunEntity.<RunEntity>find(
                "endedAt is not null and manifestWrittenAt is null order by endedAt").page(0, 20).list()
                .stream().map(r -> r.id).toList());
        for (UUID id : pending) {
            try {
                write(id);
            } catch (RuntimeException e) {
                LOG.warnf("run manifest of %s not written yet (will retry): %s", id, e.getMessage());
                return;
            }
        }
    }

    private void write(UUID id) {
        Map<String, Object> manifest = new LinkedHashMap<>();
        RunEntity run = QuarkusTransaction.requiringNew().call(() -> {
            RunEntity r = RunEntity.findById(id);
            manifest.put("format", FORMAT);
            manifest.put("plan", PlanService.fromJson(r.planSpec));
            manifest.put("run", Views.RunView.of(r, StepEntity.ofRun(r.id)));
            return r;
        });
        byte[] body;
        try {
            body = json.writeValueAsBytes(manifest);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        String key = key(config.prefix().orElse(""), run);
        s3.putObject(b -> b.bucket(config.bucket().get()).key(key).contentType("application/json"),
                RequestBody.fromBytes(body));
        QuarkusTransaction.requiringNew().run(() -> RunEntity.update("manifestWrittenAt = ?1 where id = ?2", Instant.now(), id));
        LOG.debugf("wrote %s", key);
    }
}
