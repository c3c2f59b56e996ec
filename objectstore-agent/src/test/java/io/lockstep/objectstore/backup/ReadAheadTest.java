package io.lockstep.objectstore.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ReadAheadTest {

    @Test
    void everyElementArrivesInOrderThoughTheSourceRunsAheadOfTheReader() {
        List<Integer> source = IntStream.range(0, 1000).boxed().toList();
        List<Integer> read = new ArrayList<>();
        try (ReadAhead<Integer> ahead = new ReadAhead<>(source.iterator(), 7, "test")) {
            ahead.forEachRemaining(read::add);
            assertFalse(ahead.hasNext());
            assertThrows(NoSuchElementException.class, ahead::next);
        }
        assertEquals(source, read);
    }

    @Test
    void theSourcesFailureIsThrownAfterTheElementsBeforeIt() {
        Iterator<Integer> failing = new Iterator<>() {
            int i;

            @Override
            public boolean hasNext() {
                if (i == 3) {
                    throw new IllegalStateException("page 2 refused");
                }
                return true;
            }

            @Override
            public Integer next() {
                return i++;
            }
        };
        try (ReadAhead<Integer> ahead = new ReadAhead<>(failing, 100, "test")) {
            assertEquals(0, ahead.next());
            assertEquals(1, ahead.next());
            assertEquals(2, ahead.next());
            IllegalStateException e = assertThrows(IllegalStateException.class, ahead::hasNext);
            assertEquals("page 2 refused", e.getMessage());
        }
    }

    @Test
    void theSourceIsReadAheadWithoutAReaderButAtMostItsCapacity() throws Exception {
        CountDownLatch pulledAhead = new CountDownLatch(5);
        java.util.concurrent.atomic.AtomicInteger pulled = new java.util.concurrent.atomic.AtomicInteger();
        Iterator<Integer> endless = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Integer next() {
                pulledAhead.countDown();
                return pulled.getAndIncrement();
            }
        };
        ReadAhead<Integer> ahead = new ReadAhead<>(endless, 4, "test");
        assertTrue(pulledAhead.await(10, TimeUnit.SECONDS), "the source was read ahead without a reader");
        int after = pulled.get();
        ahead.close();
        assertTrue(after <= 6, "bounded by its capacity: " + after);
    }
}
