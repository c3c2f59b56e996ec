package io.lockstep.agent.core.concurrent;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class WorkersTest {

    /**
     * A worker that does not stop at the interrupt (like a PUT in flight) has finished its write when stop returns:
     * what runs after a failed step (a drill's drop) never races it.
     */
    @Test
    void stopReturnsOnlyAfterAWorkerIgnoringTheInterruptFinished() throws Exception {
        ExecutorService workers = Workers.start("test-copy", 2);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean written = new AtomicBoolean();
        workers.submit(() -> {
            started.countDown();
            while (true) {
                try {
                    release.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted.countDown(); // ignored, as a blocking request would
                }
            }
            written.set(true);
        });
        started.await();
        Thread releaser = new Thread(() -> {
            try {
                interrupted.await();
            } catch (InterruptedException e) {
                return;
            }
            release.countDown();
        });
        releaser.start();

        assertTrue(Workers.stop(workers), "every worker returned");

        assertTrue(written.get(), "the write in flight finished before stop returned");
        assertTrue(workers.isTerminated());
        releaser.join();
    }

    @Test
    void stopKeepsTheCallersInterruptStatus() {
        ExecutorService workers = Workers.start("test-idle", 1);
        Thread.currentThread().interrupt();
        assertTrue(Workers.stop(workers));
        assertTrue(Thread.interrupted(), "the caller is still interrupted");
        assertFalse(Thread.currentThread().isInterrupted());
    }
}
