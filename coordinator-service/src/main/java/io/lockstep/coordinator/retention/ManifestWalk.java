package io.lockstep.coordinator.retention;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.protocol.EventCodec;
import io.lockstep.repository.BackupRepository;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;

/**
 * The walk over every object manifest in the repository that blob GC's mark and the repository check share: the
 * listing of {@code runs/} is streamed page by page and every {@code runs/<plan>/<run>/<store>/objects.jsonl.gz} in
 * it (whichever catalog wrote it) is streamed entry by entry; nothing is held whole.
 */
public final class ManifestWalk {

    public static final String MANIFEST = "objects.jsonl.gz";

    private ManifestWalk() {}

    /**
     * One manifest entry: the object's key, plaintext size and SHA-256, and its blob ({@code blobs/<store>/<name>});
     * for a blob kept in a pack, the pack ({@code packs/<store>/<uuid>}) and where the blob's stored form lies in it,
     * otherwise null.
     */
    public record Entry(String key, long size, String sha256, String blob, String pack, Long offset, Long length) {

        public Entry(String key, long size, String sha256, String blob) {
            this(key, size, sha256, blob, null, null, null);
        }

        public boolean packed() {
            return pack != null;
        }

        /** Whether a pack of {@code packSize} bytes (null: not listed) holds this entry's blob. */
        public boolean heldBy(Long packSize) {
            return io.lockstep.protocol.ArtifactLayout.packHolds(packSize, offset, length);
        }
    }

    /** What the walk calls; an exception from {@link #entry} counts as the manifest being unreadable. */
    public interface Visitor {
        default void manifest(String manifestKey) {}

        void entry(String manifestKey, Entry entry) throws IOException;

        /** A manifest that could not be read whole: return whether to go on with the next one. */
        boolean unreadable(String manifestKey, Exception cause);
    }

    /** Walks every manifest under {@code runs/}, listing {@code pageSize} keys a request; false if a visitor stopped. */
    public static boolean walk(BackupRepository repository, int pageSize, Visitor visitor) {
        return walk(repository, "runs/", pageSize, visitor);
    }

    /** Walks the manifests under {@code prefix} ({@code runs/<plan>/}: one plan's); false if a visitor stopped. */
    public static boolean walk(BackupRepository repository, String prefix, int pageSize, Visitor visitor) {
        for (Iterator<String> keys = repository.keys(prefix, pageSize); keys.hasNext(); ) {
            String key = keys.next();
            if (!key.endsWith("/" + MANIFEST)) {
                continue;
            }
            visitor.manifest(key);
            try {
                read(repository, key, visitor);
            } catch (IOException | RuntimeException e) {
                if (!visitor.unreadable(key, e)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void read(BackupRepository repository, String key, Visitor visitor) throws IOException {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(
                new java.util.zip.GZIPInputStream(repository.open(key)), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode entry = EventCodec.mapper().readTree(line);
                String blob = entry.path("blob").asText("");
                if (blob.isEmpty()) {
                    throw new IOException("an entry names no blob");
                }
                JsonNode pack = entry.path("pack");
                visitor.entry(
                        key,
                        new Entry(
                                entry.path("key").asText(""),
                                entry.path("size").asLong(-1),
                                entry.path("sha256").asText(""),
                                blob,
                                pack.isTextual() ? pack.asText() : null,
                                pack.isTextual() ? entry.path("offset").asLong(-1) : null,
                                pack.isTextual() ? entry.path("length").asLong(-1) : null));
            }
        }
    }

    /** {@code runs/<plan>/<run>/...} -> the run's id as written, or null for a key outside that layout. */
    public static String runOf(String key) {
        String[] parts = key.split("/", 4);
        return parts.length == 4 && parts[0].equals("runs") ? parts[2] : null;
    }
}
