package io.lockstep.postgres.wal;

import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.Encryption;
import io.lockstep.repository.S3Clients;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;

/**
 * PostgreSQL's {@code archive_command} and {@code restore_command} for a store's WAL archive in the backup
 * repository: a plain main (no framework) so it starts fast, on the postgres-agent's classpath.
 *
 * <pre>
 * archive_command = 'java -cp ... io.lockstep.postgres.wal.WalArchiveCli push /etc/lockstep/wal.properties %p %f'
 * restore_command = 'java -cp ... io.lockstep.postgres.wal.WalArchiveCli fetch /etc/lockstep/wal.properties %f %p'
 * </pre>
 *
 * Exit 0 only when the file is archived completely (or already was, with the same content), or fetched and checked;
 * anything else exits 1, so PostgreSQL keeps the segment and retries. The settings file holds the repository's
 * settings and secrets ({@code store}, {@code bucket}, {@code prefix}, {@code endpoint}, {@code region},
 * {@code access-key-id}, {@code secret-access-key}, {@code encryption.enabled}, {@code encryption.keyset-file} or
 * {@code encryption.keyset}); it must be readable by its owner only (the postgres OS user), never passed on the
 * command line.
 */
public final class WalArchiveCli {

    static final String USAGE = """
            usage: WalArchiveCli push SETTINGS PATH NAME    (archive_command: push SETTINGS %p %f)
                   WalArchiveCli fetch SETTINGS NAME PATH   (restore_command: fetch SETTINGS %f %p)""";

    private WalArchiveCli() {}

    public static void main(String[] args) {
        System.exit(run(List.of(args), WalArchiveCli::open, System.err));
    }

    /**
     * Runs one command.
     *
     * @param archives opens the archive a settings file describes
     * @return the exit code: 0 done, 1 failed (retry), 2 usage
     */
    static int run(List<String> args, Function<Properties, WalArchive> archives, PrintStream err) {
        if (args.size() != 4 || !(args.get(0).equals("push") || args.get(0).equals("fetch"))) {
            err.println(USAGE);
            return 2;
        }
        try {
            Properties settings = settings(Path.of(args.get(1)));
            WalArchive archive = archives.apply(settings);
            if (args.get(0).equals("push")) {
                WalArchive.Pushed pushed = archive.push(Path.of(args.get(2)), args.get(3));
                if (pushed == WalArchive.Pushed.ALREADY_ARCHIVED) {
                    err.println(args.get(3) + " is archived already with the same content");
                }
            } else {
                archive.fetch(args.get(2), Path.of(args.get(3)));
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("lockstep wal " + args.get(0) + " " + (args.get(0).equals("push") ? args.get(3) : args.get(2))
                    + ": " + e.getMessage());
            return 1;
        }
    }

    /** Reads a settings file, refusing one that others than its owner may read. */
    static Properties settings(Path file) throws IOException {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        if (permissions.stream()
                .anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
            throw new IOException(file + " holds repository secrets: make it readable by its owner only (chmod 600)");
        }
        Properties settings = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            settings.load(in);
        }
        return settings;
    }

    private static WalArchive open(Properties s) {
        String bucket = required(s, "bucket");
        Encryption encryption = Encryption.configure(
                Boolean.parseBoolean(s.getProperty("encryption.enabled", "false")),
                Optional.ofNullable(s.getProperty("encryption.keyset-file")).map(Path::of),
                Optional.ofNullable(s.getProperty("encryption.keyset")));
        BackupRepository repository = new BackupRepository(
                S3Clients.create(
                        Optional.ofNullable(s.getProperty("endpoint")).map(URI::create),
                        s.getProperty("region", "us-east-1"),
                        true,
                        Optional.ofNullable(s.getProperty("access-key-id")),
                        Optional.ofNullable(s.getProperty("secret-access-key")),
                        2,
                        Duration.ofSeconds(30)),
                bucket,
                s.getProperty("prefix", ""),
                5 * 1024 * 1024,
                1,
                encryption);
        return new WalArchive(repository, required(s, "store"));
    }

    private static String required(Properties s, String key) {
        String value = s.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("the settings file sets no " + key);
        }
        return value;
    }
}
