package io.lockstep.coordinator.retention;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.coordinator.run.RunState;
import io.lockstep.coordinator.run.RunStateMachine;
import io.lockstep.protocol.EventCodec;
import io.lockstep.repository.BackupRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import org.jboss.logging.Logger;

/**
 * Garbage-collects object blobs ({@code blobs/<store>/<sha256>}) by reachability. Mark: every object manifest still
 * in the repository ({@code runs/<any plan>/<run>/<store>/objects.jsonl.gz}, whichever catalog wrote it) is streamed
 * and the blobs it names are reachable. Expiry deletes a run's manifest before any collection, so the blobs only it
 * named become unreachable only once it is gone. Sweep: every other blob is deleted.
 * <p>
 * A running backup uploads blobs before its manifest exists, so collection is skipped while any backup runs and
 * stops as soon as a backup started or ended after the mark began. Any unreadable manifest stops the collection
 * before anything is deleted.
 */
@ApplicationScoped
public class BlobCollector {

    private static final Logger LOG = Logger.getLogger(BlobCollector.class);
    public static final String MANIFEST = "objects.jsonl.gz";
    private static final List<RunState> ACTIVE = List.of(RunState.QUEUED, RunState.RUNNING, RunState.VERIFYING);

    @Inject
    RepositoryClient client;

    /** What a collection found and did; {@code stoppedBecause} is set when it deleted nothing or stopped early. */
    public record Result(int blobs, int reachable, int deleted, String stoppedBecause) {
    }

    public Result collect(Instant now) {
        if (client.get().isEmpty()) {
            return new Result(0, 0, 0, "no backup repository configured");
        }
        BackupRepository repository = client.get().get();
        // Catalog times are microseconds: a second's margin, so a run that changed around the start still counts.
        Instant since = now.truncatedTo(ChronoUnit.MICROS).minusSeconds(1);
        String busy = backupActivity(null);
        if (busy != null) {
            LOG.infof("blob collection skipped: %s", busy);
            return new Result(0, 0, 0, busy);
        }
        Set<String> unreachable = new TreeSet<>(repository.list("blobs/").keySet());
        int blobs = unreachable.size();
        Set<String> reachable = new HashSet<>();
        for (String key : repository.list("runs/").keySet()) {
            if (!key.endsWith("/" + MANIFEST)) {
                continue;
            }
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(
                    new GZIPInputStream(repository.open(key)), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode entry = EventCodec.mapper().readTree(line);
                    String blob = entry.path("blob").asText("");
                    if (blob.isEmpty()) {
                        throw new IOException("an entry names no blob");
                    }
                    reachable.add(blob);
                }
            } catch (IOException | RuntimeException e) {
                String reason = "cannot read manifest " + key + " (" + e.getMessage() + "); no blob deleted";
                LOG.warnf("blob collection stopped: %s", reason);
                return new Result(blobs, reachable.size(), 0, reason);
            }
        }
        unreachable.removeAll(reachable);
        int deleted = 0;
        for (String blob : unreachable) {
            if (deleted % 100 == 0) {
                busy = backupActivity(since);
                if (busy != null) {
                    LOG.infof("blob collection stopped after %d deletions: %s", deleted, busy);
                    return new Result(blobs, reachable.size(), deleted, busy);
                }
            }
            repository.delete(blob);
            deleted++;
        }
        LOG.infof("blob collection: %d blobs, %d referenced by a manifest, %d deleted", blobs, reachable.size(), deleted);
        return new Result(blobs, reachable.size(), deleted, null);
    }

    /** Why collecting now is unsafe: a backup is running, or one started or ended since {@code since}. */
    private static String backupActivity(Instant since) {
        return QuarkusTransaction.requiringNew().call(() -> {
            RunEntity run = RunEntity.<RunEntity>find("type = ?1 and state in ?2", RunStateMachine.TYPE_BACKUP, ACTIVE)
                    .firstResult();
            if (run == null && since != null) {
                run = RunEntity.<RunEntity>find("type = ?1 and (createdAt >= ?2 or endedAt >= ?2)",
                        RunStateMachine.TYPE_BACKUP, since).firstResult();
            }
            return run == null ? null : "backup run " + run.id + " of plan " + run.plan + " is " + run.state
                    + (since == null ? "" : " or changed since the collection began");
        });
    }
}
