package io.lockstep.agent.core.repository;

import io.lockstep.agent.core.command.StoreHandler;
import io.lockstep.agent.core.config.AgentConfig;
import io.lockstep.protocol.Heartbeat;
import io.lockstep.repository.BackupRepository;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Removes what a killed agent left in the repository: multipart uploads it never completed nor aborted, and its
 * {@code tmp/} objects. Runs shortly after start ({@code lockstep.agent.sweep-delay}, 2 s) and then every
 * {@code lockstep.agent.sweep-every} (15 min).
 *
 * <p>Scoped to this agent: only keys under its own stores ({@code runs/<plan>/<run>/<store>/...},
 * {@code tmp/<store>/...}, {@code search/<store>/...}, {@code blobs/<store>/...}, {@code wal/<store>/...}); another
 * agent's uploads, and the
 * coordinator's {@code run.json}, are never touched. An upload this process has in flight is never aborted; any
 * other upload of its stores is stale when it was initiated before this process started (it belongs to a dead
 * incarnation) or more than {@code lockstep.agent.sweep-stale-after} (1 min) ago. A {@code tmp/} object is stale
 * when it was written before this process started, or more than {@code lockstep.agent.sweep-tmp-stale-after} (6 h)
 * ago (a live copy deletes its own in seconds to minutes).
 */
@ApplicationScoped
public class RepositorySweeper {

    private static final Logger LOG = Logger.getLogger(RepositorySweeper.class);

    private final BackupRepository repository;
    private final StoreHandler handler;
    private final Duration uploadStaleAfter;
    private final Duration tmpStaleAfter;
    private final Instant processStart = Instant.now();

    @Inject
    RepositorySweeper(BackupRepository repository, StoreHandler handler, AgentConfig config) {
        this.repository = repository;
        this.handler = handler;
        this.uploadStaleAfter = config.sweepStaleAfter();
        this.tmpStaleAfter = config.sweepTmpStaleAfter();
    }

    /** What one pass removed. */
    public record Swept(int uploads, int tmpObjects) {}

    @Scheduled(
            every = "${lockstep.agent.sweep-every:15m}",
            delayed = "${lockstep.agent.sweep-delay:2s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            Swept swept = sweep(Instant.now());
            if (swept.uploads() > 0 || swept.tmpObjects() > 0) {
                LOG.infof(
                        "repository sweep: aborted %d stale multipart upload(s) and deleted %d tmp/ object(s) of "
                                + "stores %s",
                        swept.uploads(), swept.tmpObjects(), stores());
            }
        } catch (RuntimeException e) {
            LOG.warnf("repository sweep failed: %s; trying again at the next pass", e.getMessage());
        }
    }

    /** One pass. */
    public Swept sweep(Instant now) {
        Set<String> stores = stores();
        int uploads = 0;
        for (BackupRepository.OpenUpload upload : repository.openUploads()) {
            if (upload.inFlightHere() || !ownedBy(upload.key(), stores)) {
                continue;
            }
            Instant initiated = upload.initiated();
            boolean stale = initiated == null
                    || initiated.isBefore(processStart)
                    || initiated.isBefore(now.minus(uploadStaleAfter));
            if (stale) {
                try {
                    repository.abortUpload(upload.key(), upload.uploadId());
                    uploads++;
                    LOG.infof("aborted stale multipart upload of %s (initiated %s)", upload.key(), initiated);
                } catch (RuntimeException e) {
                    LOG.warnf("could not abort stale upload of %s: %s", upload.key(), e.getMessage());
                }
            }
        }
        int tmp = 0;
        for (String store : stores) {
            for (Map.Entry<String, Instant> object :
                    repository.listModified("tmp/" + store + "/").entrySet()) {
                Instant modified = object.getValue();
                if (modified == null
                        || modified.isBefore(processStart)
                        || modified.isBefore(now.minus(tmpStaleAfter))) {
                    try {
                        repository.delete(object.getKey());
                        tmp++;
                    } catch (RuntimeException e) {
                        LOG.warnf("could not delete stale %s: %s", object.getKey(), e.getMessage());
                    }
                }
            }
        }
        return new Swept(uploads, tmp);
    }

    private Set<String> stores() {
        return handler.stores().stream().map(Heartbeat.Store::id).collect(Collectors.toSet());
    }

    /**
     * Top-level prefixes whose second segment is a store: {@code wal/<store>/} is written by the store's WAL archive
     * command (a process of its own next to the agent), so a killed archive command's upload is swept here too.
     */
    private static final Set<String> AGENT_ROOTS = Set.of("tmp", "search", "blobs", "wal");

    /** Whether a repository-relative key belongs to one of {@code stores}. */
    static boolean ownedBy(String key, Set<String> stores) {
        String[] parts = key.split("/");
        if (parts.length >= 3 && AGENT_ROOTS.contains(parts[0])) {
            return stores.contains(parts[1]);
        }
        return parts.length >= 5 && parts[0].equals("runs") && stores.contains(parts[3]);
    }
}
