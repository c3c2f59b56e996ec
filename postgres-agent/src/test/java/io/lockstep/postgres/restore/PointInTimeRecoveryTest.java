package io.lockstep.postgres.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PointInTimeRecoveryTest {

    @Test
    void aFailedStartReportsTheServersLastFatalLine(@TempDir Path dir) throws IOException {
        Path log = dir.resolve("postgres.log");
        Files.writeString(log, """
                2026-11-30 15:52:31.733 UTC [1] LOG:  starting PostgreSQL 15.20
                2026-11-30 15:52:31.900 UTC [2] FATAL:  the first problem
                2026-11-30 15:52:32.100 UTC [2] FATAL:  recovery ended before configured recovery target was reached
                2026-11-30 15:52:32.200 UTC [1] LOG:  database system is shut down
                """);
        assertEquals(
                "recovery ended before configured recovery target was reached", PointInTimeRecovery.lastFatal(log));
        assertEquals(
                "no FATAL line in its log",
                PointInTimeRecovery.lastFatal(dir.resolve("missing.log")).isEmpty()
                        ? ""
                        : PointInTimeRecovery.lastFatal(Files.writeString(dir.resolve("quiet.log"), "LOG: fine\n")));
    }
}
