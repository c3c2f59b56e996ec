package io.lockstep.objectstore.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;

/** Reading manifests and key lists as streams, in S3's key order (UTF-8 bytes). */
public final class Manifests {

    static final ObjectMapper JSON = new ObjectMapper();

    /** S3 lists keys in UTF-8 binary order; PostgreSQL's {@code COLLATE "C"} sorts text the same way. */
    public static final Comparator<String> KEY_ORDER = (a, b) -> {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        return java.util.Arrays.compareUnsigned(x, y);
    };

    private Manifests() {}

    /** Iterates the entries of a gzipped JSON-lines manifest; close the stream when done. */
    public static Iterator<ManifestEntry> entries(InputStream gzipped) throws IOException {
        BufferedReader reader = new BufferedReader(
                new InputStreamReader(new GZIPInputStream(gzipped, 64 * 1024), StandardCharsets.UTF_8));
        return new LineIterator<>(reader, line -> {
            try {
                return JSON.readValue(line, ManifestEntry.class);
            } catch (IOException e) {
                throw new UncheckedIOException("unreadable manifest line: " + e.getMessage(), e);
            }
        });
    }

    /** Iterates the lines of a gzipped text file (one key per line). */
    public static Iterator<String> lines(InputStream gzipped) throws IOException {
        BufferedReader reader = new BufferedReader(
                new InputStreamReader(new GZIPInputStream(gzipped, 64 * 1024), StandardCharsets.UTF_8));
        return new LineIterator<>(reader, line -> line);
    }

    private static final class LineIterator<T> implements Iterator<T> {
        private final BufferedReader reader;
        private final java.util.function.Function<String, T> parse;
        private String next;

        LineIterator(BufferedReader reader, java.util.function.Function<String, T> parse) {
            this.reader = reader;
            this.parse = parse;
            advance();
        }

        private void advance() {
            try {
                do {
                    next = reader.readLine();
                } while (next != null && next.isEmpty());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public T next() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            T value = parse.apply(next);
            advance();
            return value;
        }
    }
}
