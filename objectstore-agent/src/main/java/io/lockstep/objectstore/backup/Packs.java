package io.lockstep.objectstore.backup;

import io.lockstep.protocol.ArtifactLayout;
import io.lockstep.repository.BackupRepository;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;

/**
 * The packs one backup step writes: small blobs' stored forms ({@link BackupRepository#encode}, each encrypted and
 * bound to its own blob key) appended one after another into {@code packs/<store>/<uuid>}, which is put in one request
 * once it holds {@code target} bytes. A pack of a thousand 4 KiB blobs is one PUT instead of a thousand; the manifest
 * records where each blob lies ({@link ManifestEntry#pack()}, offset, length), and a restore reads it back with one
 * ranged GET.
 *
 * <p>A pack is never rewritten and is named afresh, so two agents or two runs never write the same key. Its location
 * is handed out as soon as the blob is appended; {@link #finish()} puts the last pack and waits for every put, and the
 * step must call it (and see it succeed) before its manifest completes. A pack put that fails fails the step. A blob
 * added twice to the pack being filled (two objects with the same content) is stored once. At most {@link #IN_FLIGHT} full packs
 * wait for their put at a time: copies wait when the repository is slower than the source.
 */
final class Packs {

    /** Full packs being put at once, besides the one filling; each holds about {@code target} bytes in memory. */
    static final int IN_FLIGHT = 2;

    /** Where a blob's stored form lies. */
    record Location(String pack, long offset, long length) {}

    private final BackupRepository repository;
    private final String store;
    private final int target;
    private final ExecutorService puts;
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    private final Map<String, Location> added = new HashMap<>();
    private final List<CompletableFuture<Void>> sealed = new ArrayList<>();
    private String name;
    private ByteArrayOutputStream filling;
    private volatile Throwable failure;
    private int packs;

    /**
     * @param target a pack is put once it holds at least this many bytes
     * @param puts runs the puts (at most {@link #IN_FLIGHT} at a time)
     */
    Packs(BackupRepository repository, String store, int target, ExecutorService puts) {
        this.repository = repository;
        this.store = store;
        this.target = target;
        this.puts = puts;
    }

    /**
     * Appends a blob's stored form and returns where it lies; may wait while {@link #IN_FLIGHT} packs are being put.
     *
     * @throws IOException if an earlier pack's put failed (the step cannot succeed)
     */
    Location add(String blobKey, byte[] stored) throws IOException, InterruptedException {
        Location location;
        synchronized (this) {
            failIfFailed();
            Location earlier = added.get(blobKey);
            if (earlier != null) {
                return earlier;
            }
            if (filling == null) {
                name = ArtifactLayout.pack(store, UUID.randomUUID().toString().replace("-", ""));
                filling = new ByteArrayOutputStream(Math.max(64 * 1024, target + target / 8));
            }
            location = new Location(name, filling.size(), stored.length);
            filling.write(stored, 0, stored.length);
            added.put(blobKey, location);
            if (filling.size() >= target) {
                byte[] full = filling.toByteArray();
                filling = null;
                added.clear(); // memory stays bounded by a pack's records, not by the step's
                try {
                    inFlight.acquire(); // under the lock: the next blobs wait too, so memory stays bounded
                } catch (InterruptedException e) {
                    failure = e; // its records' locations were handed out: the step must not succeed
                    throw e;
                }
                seal(name, full);
            }
        }
        return location;
    }

    /** Puts the last pack and waits for every put; throws if any failed. Packs written: {@link #count()}. */
    void finish() throws IOException, InterruptedException {
        List<CompletableFuture<Void>> all;
        synchronized (this) {
            failIfFailed();
            if (filling != null) { // even empty: a zero-byte plaintext record names it
                inFlight.acquire();
                seal(name, filling.toByteArray());
                filling = null;
            }
            all = List.copyOf(sealed);
        }
        for (CompletableFuture<Void> put : all) {
            try {
                put.get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                throw new IOException(cause.getMessage(), cause);
            }
        }
    }

    /** Packs put or being put. */
    synchronized int count() {
        return packs;
    }

    private void seal(String pack, byte[] bytes) {
        packs++;
        sealed.add(CompletableFuture.runAsync(
                () -> {
                    try {
                        repository.putStored(pack, bytes);
                    } catch (RuntimeException e) {
                        failure = e;
                        throw e;
                    } finally {
                        inFlight.release();
                    }
                },
                puts));
    }

    private void failIfFailed() throws IOException {
        Throwable failed = failure;
        if (failed != null) {
            throw new IOException("writing a pack failed: " + failed.getMessage(), failed);
        }
    }
}
