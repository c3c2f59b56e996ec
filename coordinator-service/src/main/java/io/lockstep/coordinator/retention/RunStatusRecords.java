package io.lockstep.coordinator.retention;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lockstep.coordinator.catalog.RunBacklog;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.protocol.EventCodec;
import io.lockstep.repository.ArtifactExistsException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The facts of an ended run that change after its run.json was written (pin, label, drill verification, repository
 * check damage, expiry), kept in the repository as small immutable status records next to run.json:
 * {@code runs/<plan>/<runId>/status/<version>.json}, one for each catalog version of the run whose facts the
 * repository did not hold yet. The newest (the highest version, names sort by it) is the run's state; run.json stays
 * written once. A rebuilt catalog ({@code resync/CatalogResync}) applies it over run.json.
 * <p>
 * A record is written while the run's row is locked and only while the run is not expiring, so no record can appear
 * after retention started deleting the run's prefix; retention writes the expiring record itself
 * ({@link #writeExpiring}) before it deletes anything.
 */
@ApplicationScoped
public class RunStatusRecords {

    private static final Logger LOG = Logger.getLogger(RunStatusRecords.class);
    public static final int FORMAT = 1;
    public static final String DIRECTORY = "status/";

    private final RepositoryClient client;
    private final ObjectMapper json = EventCodec.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT);

    RunStatusRecords(RepositoryClient client) {
        this.client = client;
    }

    /** A run's state as a status record holds it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Status(
            int format,
            UUID run,
            long version,
            Instant writtenAt,
            boolean pinned,
            String label,
            boolean verified,
            Instant verifiedAt,
            Map<String, Object> verification,
            Instant expiringAt,
            String expiryReason,
            Map<String, Object> damage) {
        static Status of(RunEntity r, Instant now) {
            return new Status(
                    FORMAT,
                    r.id,
                    r.version,
                    now,
                    r.pinned,
                    r.label,
                    r.verified,
                    r.verifiedAt,
                    r.verification,
                    r.expiringAt,
                    r.expiryReason,
                    r.damage);
        }

        /** Puts these facts on a run rebuilt from its run.json. */
        public void applyTo(RunEntity r) {
            r.pinned = pinned;
            r.label = label;
            r.verified = verified;
            r.verifiedAt = verifiedAt;
            r.verification = verification;
            r.expiringAt = expiringAt;
            r.expiryReason = expiryReason;
            r.damage = damage;
        }
    }

    /** {@code runs/<plan>/<run>/status/<version, 20 digits>.json}: names sort by version. */
    public static String key(String plan, UUID run, long version) {
        return "runs/" + plan + "/" + run + "/" + DIRECTORY + String.format("%020d", version) + ".json";
    }

    /** Whether a name under a run's prefix is a status record ({@code status/} then 20 digits and {@code .json}). */
    public static boolean isRecord(String nameUnderRun) {
        return nameUnderRun.matches("status/[0-9]{20}\\.json");
    }

    @Scheduled(every = "2s", delayed = "3s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void writePending() {
        if (client.get().isEmpty()) {
            return;
        }
        // A catalog with many runs to record (the first records after an upgrade) is worked through page after page
        // within one tick, the runs changed most often first: a backlog never makes a fresh pin or drill verdict wait
        // behind many ticks of a few runs each, and a run whose record cannot be written never holds up the others.
        RunBacklog.drain(
                "status record",
                "manifestWrittenAt is not null and expiringAt is null "
                        + "and (statusVersion is null or statusVersion < version) order by version desc, id",
                50,
                Duration.ofSeconds(20),
                this::write,
                LOG);
    }

    private void write(UUID id) {
        QuarkusTransaction.requiringNew().run(() -> {
            // Locked while the record is written: retention cannot mark the run expiring meanwhile.
            RunEntity r = RunEntity.findById(id, LockModeType.PESSIMISTIC_WRITE);
            if (r == null
                    || r.expiringAt != null
                    || r.manifestWrittenAt == null
                    || (r.statusVersion != null && r.statusVersion >= r.version)) {
                return;
            }
            put(r);
            RunEntity.update("statusVersion = ?1 where id = ?2", r.version, id);
        });
    }

    /** Records that a run expires, before retention deletes its artifacts (its prefix's records go last). */
    public void writeExpiring(RunEntity run) {
        if (client.get().isPresent() && run.expiringAt != null) {
            put(run);
        }
    }

    private void put(RunEntity r) {
        String key = key(r.plan, r.id, r.version);
        try {
            client.get().orElseThrow().put(key, json.writeValueAsBytes(Status.of(r, Instant.now())));
            LOG.debugf("wrote %s", key);
        } catch (ArtifactExistsException written) {
            LOG.debugf("%s was already written", key);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
