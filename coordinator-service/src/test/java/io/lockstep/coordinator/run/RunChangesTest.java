package io.lockstep.coordinator.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RunChangesTest {

    private final RunChanges changes = new RunChanges();
    private final UUID run = UUID.randomUUID();

    @Test
    void watchersOfARunShareOneSignalThatAChangeCompletesOnce() {
        CompletableFuture<Void> first = changes.next(run);
        assertSame(first, changes.next(run));
        changes.changed(UUID.randomUUID());
        assertFalse(first.isDone(), "another run's change");
        changes.changed(run);
        assertTrue(first.isDone());
        CompletableFuture<Void> second = changes.next(run);
        assertNotSame(first, second);
        assertFalse(second.isDone(), "the next change is signalled anew");
    }

    @Test
    void aSignalCancelledByMistakeIsReplacedNotHandedOut() {
        changes.next(run).cancel(false);
        CompletableFuture<Void> next = changes.next(run);
        assertFalse(next.isDone());
        changes.changed(run);
        assertTrue(next.isDone() && !next.isCompletedExceptionally());
    }

    @Test
    void stoppedWatchersLeaveNothingBehindButDoNotDropALaterWatchersSignal() {
        CompletableFuture<Void> stale = changes.next(run);
        changes.changed(run);
        CompletableFuture<Void> current = changes.next(run);
        changes.forget(run, stale);
        assertEquals(1, changes.watched(), "a stale signal does not remove the current one");
        changes.forget(run, current);
        assertEquals(0, changes.watched());
        changes.changed(run); // nobody watches: nothing to do, nothing kept
        assertEquals(0, changes.watched());
    }
}
