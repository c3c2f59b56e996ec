package io.lockstep.objectstore.backup;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * A bounded window of tasks in flight, consumed in the order they were added: after each {@link #add}, results are
 * taken from the oldest while the window holds more than {@code capacity} tasks or the oldest is already done. Memory
 * stays bounded however long the listing or manifest, and results arrive in order (a manifest is written in key
 * order).
 */
public final class FutureWindow<T> {

    /** Takes one result, in order. */
    @FunctionalInterface
    public interface Sink<T, E extends Exception> {
        void accept(T result) throws E;
    }

    private final Deque<Future<T>> window = new ArrayDeque<>();
    private final int capacity;

    /** @param capacity how many tasks may stay in flight after {@link #add} returns */
    public FutureWindow(int capacity) {
        this.capacity = capacity;
    }

    /** Adds a task, then hands {@code sink} the results that are due (the window is full, or they are done). */
    public <E extends Exception> void add(Future<T> task, Sink<? super T, E> sink)
            throws E, ExecutionException, InterruptedException {
        window.add(task);
        while (window.size() > capacity || (!window.isEmpty() && window.peek().isDone())) {
            sink.accept(window.poll().get());
        }
    }

    /** Waits for every task left, handing {@code sink} their results in order. */
    public <E extends Exception> void drain(Sink<? super T, E> sink)
            throws E, ExecutionException, InterruptedException {
        while (!window.isEmpty()) {
            sink.accept(window.poll().get());
        }
    }
}
