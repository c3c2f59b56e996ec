package io.lockstep.systemtests.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Parsec-like application: each write puts an immutable block object first, then the row that points at it,
 * then the index entry, in the order the real application does. Its indexer honours the pause hook: while
 * paused, index entries wait and are written on resume.
 */
public final class ParsecApp implements AutoCloseable {

    private final Lockstep lockstep;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicInteger written = new AtomicInteger();
    private final Deque<String> waitingForIndexer = new ArrayDeque<>();
    private final Random random = new Random(7);
    private Thread thread;
    private volatile Exception failure;

    public ParsecApp(Lockstep lockstep) {
        this.lockstep = lockstep;
    }

    public void createSchema() throws SQLException {
        AppDatabase.recreate(lockstep.parsecDb);
        try (Connection c = AppDatabase.connect(lockstep.parsecDb);
                Statement st = c.createStatement()) {
            st.execute(
                    "CREATE TABLE blocks (key TEXT PRIMARY KEY, size INT NOT NULL, written_at TIMESTAMPTZ DEFAULT now())");
        }
        Repository.createBucket(lockstep.blocksBucket);
        Elastic.recreateIndex(lockstep.docsIndex);
    }

    /** Writes {@code count} blocks synchronously. */
    public void write(int count) throws SQLException {
        try (Connection c = AppDatabase.connect(lockstep.parsecDb)) {
            for (int i = 0; i < count; i++) {
                writeOne(c);
            }
        }
    }

    private void writeOne(Connection c) throws SQLException {
        int n = written.incrementAndGet();
        String key = String.format("blocks/%06d-%08x", n, random.nextInt());
        byte[] block = new byte[512 + random.nextInt(2048)];
        random.nextBytes(block);
        Repository.put(lockstep.blocksBucket, key, block);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO blocks (key, size) VALUES (?, ?)")) {
            ps.setString(1, key);
            ps.setInt(2, block.length);
            ps.executeUpdate();
        }
        waitingForIndexer.add(key);
        drainIndexer();
    }

    private void drainIndexer() {
        while (!lockstep.indexer.paused() && !waitingForIndexer.isEmpty()) {
            String key = waitingForIndexer.peek();
            int status = Elastic.index(lockstep.docsIndex, key.replace('/', '_'), "{\"key\": \"" + key + "\"}");
            if (status == 403) {
                return; // write-blocked: the indexer waits, as a real one would retry
            }
            if (status / 100 != 2) {
                throw new IllegalStateException("indexing " + key + " answered " + status);
            }
            waitingForIndexer.poll();
        }
    }

    /** Starts writing continuously in the background, until {@link #close()}. */
    public void startWriting() {
        running.set(true);
        thread = new Thread(
                () -> {
                    try (Connection c = AppDatabase.connect(lockstep.parsecDb)) {
                        while (running.get()) {
                            writeOne(c);
                        }
                    } catch (Exception e) {
                        failure = e;
                    }
                },
                "parsec-writer");
        thread.start();
    }

    public int written() {
        return written.get();
    }

    /** Changes the content of every {@code every}-th existing block in place (same key, new bytes). */
    public int rewriteEvery(int every) {
        int changed = 0;
        var keys = Repository.keys(lockstep.blocksBucket, "blocks/");
        for (int i = 0; i < keys.size(); i += every) {
            byte[] block = new byte[700];
            random.nextBytes(block);
            Repository.put(lockstep.blocksBucket, keys.get(i), block);
            changed++;
        }
        return changed;
    }

    @Override
    public void close() throws Exception {
        running.set(false);
        if (thread != null) {
            thread.join(30_000);
        }
        if (failure != null) {
            throw failure;
        }
        drainIndexer();
    }
}
