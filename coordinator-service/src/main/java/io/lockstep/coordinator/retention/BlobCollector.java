package io.lockstep.coordinator.retention;

import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.protocol.ArtifactLayout;
import io.lockstep.protocol.StoreKind;
import io.lockstep.repository.BackupRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jboss.logging.Logger;

/**
 * Garbage-collects object blobs ({@code blobs/<store>/<sha256>}) and packs of small blobs ({@code packs/<store>/<uuid>})
 * by reachability; a pack is kept whole while any manifest names it (no repacking: a pack's space is reclaimed when
 * the last run naming it expires). Mark: the listing of {@code runs/}
 * is streamed page by page, every object manifest in it ({@code runs/<any plan>/<run>/<store>/objects.jsonl.gz},
 * whichever catalog wrote it) is streamed, and the blobs it names are reachable, held compactly
 * ({@link ReachableBlobs}: 8 bytes a distinct blob, at most about 32 while it grows). Expiry deletes a run's manifest
 * before any collection, so the blobs only it named become unreachable only once it is gone. Sweep: the listings of
 * {@code blobs/} and {@code packs/} are streamed page by page and every blob or pack not reachable is deleted; no
 * listing is held whole.
 * <p>
 * A running backup uploads blobs and packs before its manifest exists, so those of a store are left
 * alone while a backup of that store runs, and as soon as one started or ended after the mark began (checked again
 * before every hundred deletions). Any unreadable manifest stops the collection before anything is deleted.
 */
@ApplicationScoped
public class BlobCollector {

    private static final Logger LOG = Logger.getLogger(BlobCollector.class);
    public static final String MANIFEST = ManifestWalk.MANIFEST;
    /** Keys a listing request asks for (S3's largest page). */
    static final int PAGE = 1000;

    private final RepositoryClient client;

    BlobCollector(RepositoryClient client) {
        this.client = client;
    }

    /**
     * What a collection found and did.
     *
     * @param busyStores stores whose blobs were left alone because a backup of them was running or had just run
     * @param stoppedBecause set when the collection deleted nothing because a manifest could not be read
     */
    public record Result(int blobs, int reachable, int deleted, Set<String> busyStores, String stoppedBecause) {}

    public Result collect(Instant now) {
        return collect(now, PAGE);
    }

    /** A collection that lists {@code pageSize} keys a request. */
    Result collect(Instant now, int pageSize) {
        if (client.get().isEmpty()) {
            return new Result(0, 0, 0, Set.of(), "no backup repository configured");
        }
        BackupRepository repository = client.get().get();
        // Catalog times are microseconds: a second's margin, so a run that changed around the start still counts.
        Instant since = now.truncatedTo(ChronoUnit.MICROS).minusSeconds(1);
        Set<String> busy = new TreeSet<>(busyStores(null));
        ReachableBlobs reachable = new ReachableBlobs();
        String[] stopped = {null};
        ManifestWalk.walk(repository, pageSize, new ManifestWalk.Visitor() {
            @Override
            public void entry(String manifestKey, ManifestWalk.Entry entry) {
                reachable.add(entry.blob()); // a packed blob too: a healed copy under its own key stands for its pack
                if (entry.packed()) {
                    reachable.add(entry.pack());
                }
            }

            @Override
            public boolean unreadable(String manifestKey, Exception cause) {
                stopped[0] = "cannot read manifest " + manifestKey + " (" + cause.getMessage() + "); no blob deleted";
                return false;
            }
        });
        if (stopped[0] != null) {
            LOG.warnf("blob collection stopped: %s", stopped[0]);
            return new Result(0, reachable.size(), 0, busy, stopped[0]);
        }
        // Blobs are listed after the mark: one uploaded meanwhile belongs to a backup that started or ended since the
        // collection began, whose store is busy.
        int blobs = 0;
        int deleted = 0;
        int candidates = 0;
        for (Iterator<String> keys = sweepOrder(repository, pageSize); keys.hasNext(); ) {
            String blob = keys.next();
            blobs++;
            if (reachable.contains(blob)) {
                continue;
            }
            if (candidates++ % 100 == 0) {
                busy.addAll(busyStores(since));
            }
            if (busy.contains(storeOf(blob))) {
                continue;
            }
            repository.delete(blob);
            deleted++;
        }
        LOG.infof(
                "blob collection: %d blobs, %d referenced by a manifest, %d deleted%s",
                blobs,
                reachable.size(),
                deleted,
                busy.isEmpty() ? "" : "; left alone while their backups run: " + busy);
        return new Result(blobs, reachable.size(), deleted, busy, null);
    }

    /** The keys the sweep looks at: every blob ({@code blobs/}), then every pack ({@code packs/}). */
    private static Iterator<String> sweepOrder(BackupRepository repository, int pageSize) {
        Iterator<String> blobs = repository.keys(ArtifactLayout.BLOBS, pageSize);
        return new Iterator<>() {
            private Iterator<String> packs;

            @Override
            public boolean hasNext() {
                if (blobs.hasNext()) {
                    return true;
                }
                if (packs == null) {
                    packs = repository.keys(ArtifactLayout.PACKS, pageSize);
                }
                return packs.hasNext();
            }

            @Override
            public String next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return blobs.hasNext() ? blobs.next() : packs.next();
            }
        };
    }

    /** {@code blobs/<store>/<sha256>} or {@code packs/<store>/<uuid>} -> store. */
    static String storeOf(String blob) {
        String[] parts = blob.split("/", 3);
        return parts.length == 3 ? parts[1] : "";
    }

    /** Object stores with a backup running, or (with {@code since}) one that started or ended since then. */
    private static List<String> busyStores(Instant since) {
        return QuarkusTransaction.requiringNew().call(() -> {
            var query = StepEntity.getEntityManager()
                    .createQuery(
                            "select distinct s.store from StepEntity s, RunEntity r where s.runId = r.id and r.type = :backup "
                                    + "and s.storeKind = :objects and (r.state in :active"
                                    + (since == null ? ")" : " or r.createdAt >= :since or r.endedAt >= :since)"),
                            String.class)
                    .setParameter("backup", RunType.BACKUP)
                    .setParameter("objects", StoreKind.OBJECTSTORE)
                    .setParameter("active", RunState.ACTIVE);
            if (since != null) {
                query.setParameter("since", since);
            }
            return query.getResultList();
        });
    }
}
