package io.lockstep.repository.cli;

import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.Compression;
import io.lockstep.repository.Encryption;
import io.lockstep.repository.RepositoryException;
import io.lockstep.repository.S3Clients;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Operator commands for the backup repository, without a running Lockstep: create and rotate key-encryption
 * keysets, and fetch an artifact's plaintext (decompressed) for a by-hand restore. Secrets come from the environment or files,
 * never from the command line. Run it with the classpath of any packaged agent (see deploy/local/keys and
 * deploy/local/decrypt).
 */
public final class RepositoryCli {

    private static final String USAGE = """
            usage: RepositoryCli keyset-new FILE
                       writes a new key-encryption keyset (Tink JSON, one AES256_GCM key) to FILE, mode 0600
                   RepositoryCli keyset-rotate FILE
                       adds a new primary key to the keyset in FILE; the old keys stay, so old artifacts stay readable
                   RepositoryCli decrypt [--sha256 HEX] [--raw] KEY
                       writes the plaintext of artifact KEY (repository-relative, as a run's step lists it) to stdout,
                       checking the stored bytes against HEX when given; a zstd-compressed artifact is decompressed
                       unless --raw (then zstd -d reads it)
                   RepositoryCli decrypt --pack PACK:OFFSET:LENGTH BLOB
                       writes the plaintext of a small object's blob kept in a pack (an object manifest's entry gives
                       blob, pack, offset and length), as it is: check it against the entry's sha256
            decrypt reads LOCKSTEP_REPOSITORY_BUCKET, _PREFIX, _ENDPOINT, _REGION, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY and
            LOCKSTEP_REPOSITORY_ENCRYPTION_KEYSET_FILE (or LOCKSTEP_REPOSITORY_ENCRYPTION_KEYSET) from the environment.""";

    private RepositoryCli() {}

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.getenv(), System.out, System.err));
    }

    static int run(List<String> args, Map<String, String> env, OutputStream out, PrintStream err) {
        try {
            if (args.size() == 2 && args.get(0).equals("keyset-new")) {
                Path file = Path.of(args.get(1));
                if (Files.exists(file)) {
                    err.println("error: " + file + " exists; it may hold the only key to existing backups");
                    return 1;
                }
                writeSecret(file, Encryption.generateKeyset());
                err.println("wrote a new keyset to " + file);
                return 0;
            }
            if (args.size() == 2 && args.get(0).equals("keyset-rotate")) {
                Path file = Path.of(args.get(1));
                String rotated = Encryption.rotateKeyset(Files.readString(file));
                Path next = file.resolveSibling(file.getFileName() + ".next");
                Files.deleteIfExists(next);
                writeSecret(next, rotated);
                Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                err.println("added a new primary key to " + file + "; restart the services to use it");
                return 0;
            }
            if (!args.isEmpty() && args.get(0).equals("decrypt")) {
                String sha256 = null;
                String pack = null;
                boolean raw = false;
                int i = 1;
                for (; i < args.size() - 1; i++) {
                    if (args.get(i).equals("--raw")) {
                        raw = true;
                    } else if (args.get(i).equals("--sha256") && i + 1 < args.size() - 1) {
                        sha256 = args.get(++i);
                    } else if (args.get(i).equals("--pack") && i + 1 < args.size() - 1) {
                        pack = args.get(++i);
                    } else {
                        break;
                    }
                }
                if (i == args.size() - 1 && pack != null && sha256 == null) {
                    return decryptPacked(pack, args.get(i), env, out);
                }
                if (i == args.size() - 1 && pack == null) {
                    return decrypt(args.get(i), sha256, raw, env, out);
                }
            }
            err.println(USAGE);
            return 2;
        } catch (RepositoryException | IOException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    /** {@code PACK:OFFSET:LENGTH}: a blob's record in its pack, written out as its plaintext. */
    private static int decryptPacked(String location, String blob, Map<String, String> env, OutputStream out)
            throws IOException {
        String[] parts = location.split(":");
        long offset;
        long length;
        try {
            offset = Long.parseLong(parts.length == 3 ? parts[1] : "");
            length = Long.parseLong(parts[2]);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new RepositoryException(
                    "--pack wants PACK:OFFSET:LENGTH, as the manifest entry gives them; got " + location);
        }
        try (BackupRepository repository = open(env);
                InputStream in = repository.openPacked(parts[0], offset, length, blob)) {
            in.transferTo(out);
            out.flush();
        }
        return 0;
    }

    private static int decrypt(String key, String sha256, boolean raw, Map<String, String> env, OutputStream out)
            throws IOException {
        try (BackupRepository repository = open(env);
                InputStream in = sha256 == null ? repository.open(key) : repository.openVerified(key, sha256)) {
            if (raw) {
                in.transferTo(out);
            } else {
                Compression.decoding(in).transferTo(out);
                in.transferTo(OutputStream.nullOutputStream()); // to the stored stream's end, where its hash is checked
            }
            out.flush();
        }
        return 0;
    }

    private static BackupRepository open(Map<String, String> env) {
        String bucket = env.get("LOCKSTEP_REPOSITORY_BUCKET");
        if (bucket == null || bucket.isBlank()) {
            throw new RepositoryException(
                    "set LOCKSTEP_REPOSITORY_BUCKET (and _PREFIX, _ENDPOINT as the services have them)");
        }
        Encryption encryption = Encryption.configure(
                false,
                Optional.ofNullable(env.get("LOCKSTEP_REPOSITORY_ENCRYPTION_KEYSET_FILE"))
                        .map(Path::of),
                Optional.ofNullable(env.get("LOCKSTEP_REPOSITORY_ENCRYPTION_KEYSET")));
        return new BackupRepository(
                S3Clients.create(
                        Optional.ofNullable(env.get("LOCKSTEP_REPOSITORY_ENDPOINT"))
                                .map(URI::create),
                        env.getOrDefault("LOCKSTEP_REPOSITORY_REGION", "us-east-1"),
                        true,
                        Optional.ofNullable(env.get("LOCKSTEP_REPOSITORY_ACCESS_KEY_ID")),
                        Optional.ofNullable(env.get("LOCKSTEP_REPOSITORY_SECRET_ACCESS_KEY")),
                        4,
                        java.time.Duration.ofSeconds(10)),
                bucket,
                env.getOrDefault("LOCKSTEP_REPOSITORY_PREFIX", ""),
                5 * 1024 * 1024,
                1,
                encryption);
    }

    private static void writeSecret(Path file, String content) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content);
    }
}
