package io.lockstep.postgres.backup;

import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.UploadHooks;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.zip.GZIPOutputStream;

/**
 * Streams a plan's cross-store reference query into the repository: one key per line, sorted in byte order
 * (as S3 lists keys), gzipped. It runs in the snapshot's own transaction, so the keys are exactly those the
 * dump's rows reference.
 */
public final class ReferenceKeys {

    private ReferenceKeys() {}

    public static long write(
            java.sql.Connection jdbc,
            String query,
            String artifact,
            BackupRepository repository,
            java.util.concurrent.Executor executor) {
        String sorted = sortedQuery(query);
        java.sql.Savepoint savepoint = null;
        try {
            // A failing query must not abort the transaction that holds the exported snapshot pg_dump uses.
            savepoint = jdbc.setSavepoint();
            PipedInputStream in = new PipedInputStream(1 << 20);
            PipedOutputStream out = new PipedOutputStream(in);
            java.util.concurrent.atomic.AtomicBoolean whole = new java.util.concurrent.atomic.AtomicBoolean();
            CompletableFuture<?> upload = CompletableFuture.supplyAsync(
                    () -> repository.upload(artifact, in, new UploadHooks() {
                        @Override
                        public void beforeComplete() {
                            if (!whole.get()) {
                                throw new IllegalStateException("the reference query did not finish");
                            }
                        }
                    }),
                    executor);
            long count = 0;
            try (OutputStream gzip = new GZIPOutputStream(out, 64 * 1024);
                    Statement st = jdbc.createStatement()) {
                st.setFetchSize(10_000);
                try (ResultSet rs = st.executeQuery(sorted)) {
                    count = writeLines(rs, gzip);
                }
                whole.set(true);
            }
            upload.join();
            jdbc.releaseSavepoint(savepoint);
            return count;
        } catch (SQLException e) {
            rollbackQuietly(jdbc, savepoint);
            throw new IllegalStateException(e.getMessage(), e);
        } catch (IOException e) {
            rollbackQuietly(jdbc, savepoint);
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The plan's query wrapped so that it yields its first column as text, without nulls, in byte order
     * ({@code COLLATE "C"}, the order S3 lists keys in), so the keys can be merged with a listing or manifest.
     */
    static String sortedQuery(String query) {
        return "SELECT q.k::text FROM (" + query + ") AS q(k) WHERE q.k IS NOT NULL ORDER BY q.k::text COLLATE \"C\"";
    }

    /**
     * Writes each row's first column as one UTF-8 line, in the rows' order; returns the distinct keys written (the
     * rows come sorted, so a key several rows reference is adjacent and counts once, as the object-store
     * verification counts the keys it resolves: the coordinator compares the two).
     */
    static long writeLines(ResultSet rows, OutputStream out) throws SQLException, IOException {
        long distinct = 0;
        String previous = null;
        while (rows.next()) {
            String key = rows.getString(1);
            out.write(key.getBytes(StandardCharsets.UTF_8));
            out.write('\n');
            if (!key.equals(previous)) {
                distinct++;
            }
            previous = key;
        }
        return distinct;
    }

    private static void rollbackQuietly(java.sql.Connection jdbc, java.sql.Savepoint savepoint) {
        if (savepoint != null) {
            try {
                jdbc.rollback(savepoint);
            } catch (SQLException ignored) {
                // the step fails with the query's own error
            }
        }
    }
}
