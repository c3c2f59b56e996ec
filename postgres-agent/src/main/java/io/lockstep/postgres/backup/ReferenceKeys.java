package io.lockstep.postgres.backup;

import io.lockstep.postgres.client.ReadOnlySession;
import io.lockstep.protocol.ReferenceQuery;
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
 * (as S3 lists keys), gzipped. The query is the operator's SQL run as the backup role, so it is checked first
 * ({@link ReferenceQuery}: one read-only SELECT) and runs only in a {@link ReadOnlySession}; at backup time that
 * session reads under the dump's exported snapshot, so the keys are exactly those the dump's rows reference.
 */
public final class ReferenceKeys {

    private ReferenceKeys() {}

    /**
     * Runs {@code query} in {@code session} and stores its keys in {@code artifact}; returns the distinct keys. A
     * refused query fails with {@link IllegalArgumentException} before anything is uploaded, an SQL failure with
     * {@link IllegalStateException} whose message is {@link ReadOnlySession#reason}.
     */
    public static long write(
            ReadOnlySession session,
            String query,
            String artifact,
            BackupRepository repository,
            java.util.concurrent.Executor executor) {
        ReferenceQuery.check(query);
        try {
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
            long count;
            try (OutputStream gzip = new GZIPOutputStream(out, 64 * 1024)) {
                count = read(session, query, gzip);
                whole.set(true);
            }
            upload.join();
            return count;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Checks {@code query}, runs it in {@code session} and writes its keys to {@code out}, one per line, sorted;
     * returns the distinct keys. A refused query fails with {@link IllegalArgumentException} without reaching the
     * server, an SQL failure (a timeout, an attempt to write) with {@link IllegalStateException} naming it.
     */
    public static long read(ReadOnlySession session, String query, OutputStream out) throws IOException {
        ReferenceQuery.check(query);
        try (Statement st = session.jdbc().createStatement()) {
            st.setFetchSize(10_000);
            try (ResultSet rs = st.executeQuery(sortedQuery(query))) {
                return writeLines(rs, out);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(session.reason(e), e);
        }
    }

    /**
     * The plan's query wrapped so that it yields its first column as text, without nulls, in byte order
     * ({@code COLLATE "C"}, the order S3 lists keys in), so the keys can be merged with a listing or manifest.
     */
    static String sortedQuery(String query) {
        // The newline ends a trailing line comment of the query, which would otherwise swallow the rest.
        return "SELECT q.k::text FROM (" + query + "\n) AS q(k) WHERE q.k IS NOT NULL ORDER BY q.k::text COLLATE \"C\"";
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
}
