package io.lockstep.postgres.wal;

import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.Compression;
import io.lockstep.repository.Hashing;
import io.lockstep.repository.RepositoryException;
import io.lockstep.repository.UploadHooks;
import io.lockstep.repository.UploadResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The WAL archive of one PostgreSQL store in the backup repository: each file PostgreSQL archives (a segment, a
 * {@code .history} or {@code .backup} file) is stored zstd-compressed (and encrypted when the repository encrypts)
 * under {@code wal/<store>/<name>.zst}, then a small record {@code wal/<store>/<name>.sha256} holding the SHA-256 of
 * the file's plaintext and of the stored bytes. The record is written only after the upload completed, so its
 * presence means "archived": {@link #push} succeeds for a name already recorded with the same content and fails for
 * a different one (PostgreSQL's archive_command contract), and {@link #fetch} checks both hashes.
 */
public final class WalArchive {

    /** What PostgreSQL archives: segment, history, backup-label and partial file names. */
    private static final Pattern NAME =
            Pattern.compile("[0-9A-F]{8,24}(\\.[0-9A-F]{8}\\.backup|\\.history|\\.partial)?");

    private static final int LEVEL = 3;

    private final BackupRepository repository;
    private final String store;

    public WalArchive(BackupRepository repository, String store) {
        if (store == null || store.isBlank() || store.contains("/")) {
            throw new IllegalArgumentException("a WAL archive needs a store id without '/', got '" + store + "'");
        }
        this.repository = repository;
        this.store = store;
    }

    /** The repository prefix of a store's archive. */
    public static String prefix(String store) {
        return io.lockstep.protocol.WalNames.prefix(store);
    }

    /** The outcome of a push. */
    public enum Pushed {
        /** Uploaded and recorded now. */
        STORED,
        /** Recorded already with the same content: nothing to do. */
        ALREADY_ARCHIVED
    }

    /**
     * Archives {@code file} under {@code name}; returns only once the upload is complete and recorded.
     *
     * @throws RepositoryException when the name holds different content, or the upload failed (nothing recorded)
     */
    public Pushed push(Path file, String name) throws IOException {
        check(name);
        String plainSha = sha256(file);
        String recordKey = recordKey(name);
        if (repository.exists(recordKey)) {
            Record existing = record(name);
            if (existing.plaintextSha256().equals(plainSha)) {
                return Pushed.ALREADY_ARCHIVED;
            }
            throw new RepositoryException("a different " + name + " is archived already for store " + store
                    + " (SHA-256 " + existing.plaintextSha256() + ", this file " + plainSha
                    + "): two clusters archive into one store, or the archive belongs to an older cluster");
        }
        UploadResult stored;
        try (InputStream in = Files.newInputStream(file)) {
            stored = repository.upload(segmentKey(name), Compression.compressing(in, LEVEL, 0), UploadHooks.NONE);
        }
        repository.put(
                recordKey,
                (plainSha + " " + stored.sha256() + " " + Files.size(file) + "\n").getBytes(StandardCharsets.UTF_8));
        return Pushed.STORED;
    }

    /** Whether {@code name} is archived (its record exists). */
    public boolean contains(String name) {
        check(name);
        return repository.exists(recordKey(name));
    }

    /**
     * Writes the archived file {@code name} to {@code target}, checking the stored bytes and the plaintext against
     * the record; the file appears (atomically renamed) only once both matched.
     *
     * @throws RepositoryException when it is not archived or does not match its record
     */
    public void fetch(String name, Path target) throws IOException {
        check(name);
        if (!repository.exists(recordKey(name))) {
            throw new RepositoryException(name + " is not in the WAL archive of " + store);
        }
        Record record = record(name);
        Path partial = target.resolveSibling(target.getFileName() + ".lockstep-part");
        MessageDigest digest = Hashing.sha256();
        try (InputStream stored = repository.openVerified(segmentKey(name), record.storedSha256());
                InputStream plain = new DigestInputStream(Compression.decoding(stored), digest);
                OutputStream out = Files.newOutputStream(partial)) {
            plain.transferTo(out);
            stored.transferTo(OutputStream.nullOutputStream()); // to the end, where the stored hash is checked
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        if (!Hashing.hex(digest).equals(record.plaintextSha256())) {
            Files.deleteIfExists(partial);
            throw new RepositoryException(name + " of " + store + " does not match its recorded SHA-256");
        }
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The archived names, sorted (segment names sort in WAL order within a timeline). */
    public List<String> names() {
        String prefix = prefix(store);
        return repository.list(prefix).keySet().stream()
                .filter(k -> k.endsWith(".sha256"))
                .map(k -> k.substring(prefix.length(), k.length() - ".sha256".length()))
                .sorted()
                .toList();
    }

    private record Record(String plaintextSha256, String storedSha256) {}

    private Record record(String name) throws IOException {
        String text;
        try (InputStream in = repository.open(recordKey(name))) {
            text = new String(in.readNBytes(1024), StandardCharsets.UTF_8).strip();
        }
        String[] fields = text.split(" ");
        if (fields.length < 2) {
            throw new RepositoryException("the archive record of " + name + " is unreadable");
        }
        return new Record(fields[0], fields[1]);
    }

    private String segmentKey(String name) {
        return prefix(store) + name + ".zst";
    }

    private String recordKey(String name) {
        return prefix(store) + name + ".sha256";
    }

    private static void check(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a WAL file name: '" + name + "'");
        }
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest = Hashing.sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return Hashing.hex(digest);
    }
}
