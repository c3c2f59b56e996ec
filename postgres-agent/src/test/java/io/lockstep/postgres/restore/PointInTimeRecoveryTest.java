package io.lockstep.postgres.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PointInTimeRecoveryTest {

    /** Seen in CI: the agent's own poll, refused while the server shut down, logged a FATAL after the reason. */
    @Test
    void aClientRefusedWhileTheServerWentDownIsNotTheReason(@TempDir Path dir) throws IOException {
        Path log = dir.resolve("postgres.log");
        Files.writeString(log, """
                2026-12-02 01:52:04.176 UTC [7787] LOG:  redo done at 0/5000100
                2026-12-02 01:52:04.176 UTC [7787] FATAL:  recovery ended before configured recovery target was reached
                2026-12-02 01:52:04.225 UTC [7784] LOG:  startup process (PID 7787) exited with exit code 1
                2026-12-02 01:52:04.257 UTC [7798] FATAL:  the database system is in recovery mode
                2026-12-02 01:52:04.300 UTC [7799] FATAL:  the database system is shutting down
                2026-12-02 01:52:04.310 UTC [7784] LOG:  database system is shut down
                """);
        assertEquals(
                "recovery ended before configured recovery target was reached", PointInTimeRecovery.lastFatal(log));
        Path refusals = Files.writeString(
                dir.resolve("refusals.log"),
                "2026-12-02 01:52:04.257 UTC [7798] FATAL:  the database system is starting up\n");
        assertEquals("the database system is starting up", PointInTimeRecovery.lastFatal(refusals));
    }

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
