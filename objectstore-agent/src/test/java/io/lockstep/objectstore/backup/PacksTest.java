package io.lockstep.objectstore.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.repository.BackupRepository;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The packs of one step: records one after another, full packs put at most two at a time, the last one on finish. */
class PacksTest {

    @Test
    void recordsLieOneAfterAnotherAndASlowRepositoryHoldsTheCopiesBack() throws Exception {
        InMemoryS3 s3 = InMemoryS3.create(100);
        BackupRepository repository = new BackupRepository(s3.client(), "repo", "", 5 * 1024 * 1024, 1);
        CountDownLatch release = new CountDownLatch(1);
        s3.beforePut = key -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        ExecutorService puts = Executors.newFixedThreadPool(Packs.IN_FLIGHT);
        try {
            Packs packs = new Packs(repository, "s", 100, puts);
            Packs.Location first = packs.add("blobs/s/a", new byte[60]);
            Packs.Location second = packs.add("blobs/s/b", new byte[60]); // 120 bytes: full, being put
            assertEquals(first.pack(), second.pack());
            assertEquals(List.of(0L, 60L, 60L), List.of(first.offset(), second.offset(), second.length()));
            Packs.Location third = packs.add("blobs/s/c", new byte[100]); // full: the second put in flight
            assertFalse(third.pack().equals(first.pack()), "a full pack is not written to again");

            CompletableFuture<Packs.Location> waiting = new CompletableFuture<>();
            Thread copy = new Thread(() -> waiting.complete(add(packs, "blobs/s/d", 100)), "copier");
            copy.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (copy.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // until the copier blocks: on the two puts held
            }
            assertEquals(Thread.State.WAITING, copy.getState(), "a third full pack waits while two puts are held");
            assertFalse(waiting.isDone());
            release.countDown();
            Packs.Location fourth = waiting.get(30, TimeUnit.SECONDS);
            packs.add("blobs/s/e", new byte[10]); // the last pack, put on finish
            packs.finish();

            assertEquals(4, packs.count());
            var stored = repository.list("packs/s/");
            assertEquals(4, stored.size(), stored.toString());
            assertEquals(120L, stored.get(first.pack()));
            assertEquals(100L, stored.get(fourth.pack()));
            assertTrue(stored.values().contains(10L), stored.toString());
        } finally {
            release.countDown();
            puts.shutdownNow();
        }
    }

    @Test
    void aPackHoldingOnlyAnEmptyRecordIsStillPut() throws Exception {
        InMemoryS3 s3 = InMemoryS3.create(100);
        BackupRepository repository = new BackupRepository(s3.client(), "repo", "", 5 * 1024 * 1024, 1);
        ExecutorService puts = Executors.newFixedThreadPool(Packs.IN_FLIGHT);
        try {
            Packs packs = new Packs(repository, "s", 100, puts);
            Packs.Location empty = packs.add("blobs/s/empty", new byte[0]); // a zero-byte object, unencrypted
            packs.finish();
            assertEquals(Long.valueOf(0), repository.list("packs/s/").get(empty.pack()), "the manifest names it");
        } finally {
            puts.shutdownNow();
        }
    }

    private static Packs.Location add(Packs packs, String blob, int size) {
        try {
            return packs.add(blob, new byte[size]);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
