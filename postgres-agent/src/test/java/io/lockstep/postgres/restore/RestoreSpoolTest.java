package io.lockstep.postgres.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.agent.core.command.StepFailure;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestoreSpoolTest {

    private static final long MIB = RestoreSpool.MIB;
    private static final List<String> LIBPQ = List.of("--host=db", "--port=5432", "--username=u", "--no-password");

    @Test
    void oneJobStreamsInOneTransaction() {
        assertEquals(
                List.of(
                        "pg_restore",
                        "--single-transaction",
                        "--exit-on-error",
                        "--dbname=shop_lsrestore_0a1b2c3d",
                        "--host=db",
                        "--port=5432",
                        "--username=u",
                        "--no-password"),
                RestoreSpool.streaming("pg_restore", "shop_lsrestore_0a1b2c3d", LIBPQ));
    }

    @Test
    void severalJobsReadTheSpoolFileWithoutASingleTransaction() {
        List<String> command = RestoreSpool.parallel(
                "/usr/lib/postgresql/15/bin/pg_restore",
                3,
                "shop_lsrestore_0a1b2c3d",
                LIBPQ,
                Path.of("/var/tmp/lockstep-restore-a-0a1b2c3d.dump"));
        assertEquals(
                List.of(
                        "/usr/lib/postgresql/15/bin/pg_restore",
                        "--jobs=3",
                        "--exit-on-error",
                        "--dbname=shop_lsrestore_0a1b2c3d",
                        "--host=db",
                        "--port=5432",
                        "--username=u",
                        "--no-password",
                        "/var/tmp/lockstep-restore-a-0a1b2c3d.dump"),
                command);
        assertFalse(command.contains("--single-transaction"), "pg_restore refuses it with --jobs");
    }

    @Test
    void jobsBelowOneAreRefusedWithTheSettingsName() throws StepFailure {
        assertEquals(1, RestoreSpool.jobs(1));
        assertEquals(4, RestoreSpool.jobs(4));
        StepFailure zero = assertThrows(StepFailure.class, () -> RestoreSpool.jobs(0));
        assertTrue(zero.getMessage().contains("lockstep.postgres.restore.jobs must be at least 1"), zero.getMessage());
        assertThrows(StepFailure.class, () -> RestoreSpool.jobs(-2));
    }

    @Test
    void aSpoolFitsWhenTheDumpAndTheReserveDo() {
        Path dir = Path.of("/spool");
        assertNull(RestoreSpool.shortage(dir, 1000 * MIB, 700 * MIB, 300 * MIB));
        assertNull(RestoreSpool.shortage(dir, 1000 * MIB, 0, 0));
    }

    @Test
    void aSpoolThatWouldEatIntoTheReserveIsRefusedWithTheFigures() {
        String reason = RestoreSpool.shortage(Path.of("/spool"), 1000 * MIB, 701 * MIB, 300 * MIB);
        assertTrue(reason.startsWith("not enough free space in the restore spool directory /spool"), reason);
        assertTrue(reason.contains("1000 MiB free"), reason);
        assertTrue(reason.contains("701 MiB for the dump"), reason);
        assertTrue(reason.contains("300 MiB to be left free"), reason);
        assertTrue(reason.contains("lockstep.postgres.restore.spool-dir"), reason);
    }

    @Test
    void aFullDiskIsRefusedEvenWithoutAReserveOrAKnownSize() {
        String reason = RestoreSpool.shortage(Path.of("/spool"), 0, 1, 0);
        assertTrue(reason.contains("0 MiB free"), reason);
        String whileWriting = RestoreSpool.shortage(Path.of("/spool"), 10 * MIB, 0, 256 * MIB);
        assertTrue(whileWriting.contains("10 MiB free, 256 MiB to be left free"), whileWriting);
    }

    @Test
    void spoolFilesAreRecognisedPerAgentOnly() {
        String name = RestoreSpool.fileName("pg agent/1", "0a1b2c3d");
        assertEquals("lockstep-restore-pg_agent_1-0a1b2c3d.dump", name);
        assertTrue(RestoreSpool.isSpoolOf("pg agent/1", name));
        assertFalse(RestoreSpool.isSpoolOf("pg agent", name), "another agent's spool is left alone");
        assertFalse(RestoreSpool.isSpoolOf("pg agent/1", "lockstep-restore-pg_agent_1-notastep.dump"));
        assertFalse(RestoreSpool.isSpoolOf("pg agent/1", "lockstep-pgpass-123"));
    }
}
