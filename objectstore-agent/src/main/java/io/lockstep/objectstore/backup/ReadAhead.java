package io.lockstep.objectstore.backup;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * An iterator that pulls another one on a thread of its own, up to {@code capacity} elements ahead: a paginated
 * listing keeps fetching its next pages while the caller does other work (a backup lists the repository's blobs while
 * the source bucket's listing runs on). Whatever the source throws is thrown by {@link #hasNext} or {@link #next}, in
 * order. {@link #close} stops the thread; the source is then read no further.
 */
final class ReadAhead<T> implements Iterator<T>, AutoCloseable {

    private static final Object END = new Object();

    private final BlockingQueue<Object> queue;
    private final Thread reader;
    private Object next;

    /** A failure of the source, carried through the queue. */
    private record Failure(RuntimeException error) {}

    ReadAhead(Iterator<T> source, int capacity, String name) {
        this.queue = new ArrayBlockingQueue<>(capacity + 1);
        this.reader = new Thread(() -> pull(source), name);
        reader.setDaemon(true);
        reader.start();
    }

    private void pull(Iterator<T> source) {
        try {
            while (source.hasNext()) {
                queue.put(source.next());
            }
            queue.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            try {
                queue.put(new Failure(e));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the listing", e);
            }
        }
        if (next instanceof Failure failure) {
            throw failure.error();
        }
        return next != END;
    }

    @Override
    @SuppressWarnings("unchecked")
    public T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        T element = (T) next;
        next = null;
        return element;
    }

    @Override
    public void close() {
        reader.interrupt();
    }
}
