package io.lockstep.postgres.restore;

import io.lockstep.agent.core.command.StepFailure;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The pure parts of loading a dump with pg_restore: its arguments, the name of a parallel restore's spool file, and
 * the free-space rule for that file.
 */
final class RestoreSpool {

    static final long MIB = 1024L * 1024;
    private static final String PREFIX = "lockstep-restore-";
    private static final String SUFFIX = ".dump";

    private RestoreSpool() {}

    /** The jobs setting checked: at least 1. */
    static int jobs(int configured) throws StepFailure {
        if (configured < 1) {
            throw new StepFailure(
                    "lockstep.postgres.restore.jobs must be at least 1 (1 streams the dump), not " + configured);
        }
        return configured;
    }

    /** pg_restore reading the dump from stdin, all of it in one transaction. */
    static List<String> streaming(String pgRestore, String database, List<String> libpq) {
        List<String> command =
                new ArrayList<>(List.of(pgRestore, "--single-transaction", "--exit-on-error", "--dbname=" + database));
        command.addAll(libpq);
        return command;
    }

    /**
     * pg_restore reading a spooled dump with {@code jobs} connections. No {@code --single-transaction} (pg_restore
     * refuses it with {@code --jobs}): the target is a scratch database, swapped in only after a clean exit.
     */
    static List<String> parallel(String pgRestore, int jobs, String database, List<String> libpq, Path spool) {
        List<String> command =
                new ArrayList<>(List.of(pgRestore, "--jobs=" + jobs, "--exit-on-error", "--dbname=" + database));
        command.addAll(libpq);
        command.add(spool.toString());
        return command;
    }

    /** The spool file of one step of one agent; the agent id is reduced to characters safe in a file name. */
    static String fileName(String agent, String step) {
        return PREFIX + safe(agent) + "-" + step + SUFFIX;
    }

    /** Whether {@code name} is a spool file of {@code agent} (of any step). */
    static boolean isSpoolOf(String agent, String name) {
        String start = PREFIX + safe(agent) + "-";
        if (!name.startsWith(start) || !name.endsWith(SUFFIX)) {
            return false;
        }
        String step = name.substring(start.length(), name.length() - SUFFIX.length());
        return step.matches("[0-9a-f]{8}");
    }

    private static String safe(String agent) {
        return agent.replaceAll("[^A-Za-z0-9_.]", "_");
    }

    /**
     * Why a spool of at least {@code atLeast} more bytes does not fit in {@code dir}, with {@code usable} bytes free
     * and {@code reserve} to be left; null when it fits.
     */
    static String shortage(Path dir, long usable, long atLeast, long reserve) {
        if (usable - atLeast >= reserve) {
            return null;
        }
        String need = atLeast > 0 ? mib(atLeast) + " for the dump (at least) and " : "";
        return "not enough free space in the restore spool directory " + dir + ": " + mib(usable) + " free, "
                + need + mib(reserve) + " to be left free (lockstep.postgres.restore.spool-reserve-mib); free space "
                + "there or set lockstep.postgres.restore.spool-dir, or jobs=1 to stream without a spool";
    }

    static String mib(long bytes) {
        return bytes / MIB + " MiB";
    }
}
