package io.lockstep.postgres.client;

import io.lockstep.postgres.config.PostgresAgentConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Finds the PostgreSQL client programs. They must not be older than the server they dump. */
@ApplicationScoped
public class PostgresTools {

    private final PostgresAgentConfig config;

    @Inject
    public PostgresTools(PostgresAgentConfig config) {
        this.config = config;
    }

    public String pgDump() {
        return program("pg_dump");
    }

    public String pgRestore() {
        return program("pg_restore");
    }

    /** A program of the PostgreSQL installation (pg_basebackup, pg_ctl), or its bare name to find on PATH. */
    public String program(String name) {
        Path dir = config.binDir().orElseGet(PostgresTools::newestInstalledBinDir);
        return dir == null ? name : dir.resolve(name).toString();
    }

    private static Path newestInstalledBinDir() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.filter(v -> Files.isExecutable(v.resolve("bin/pg_dump")))
                    .max(Comparator.comparingInt(PostgresTools::majorVersion))
                    .map(v -> v.resolve("bin"))
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static int majorVersion(Path versionDir) {
        try {
            return Integer.parseInt(versionDir.getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
