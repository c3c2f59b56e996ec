package io.lockstep.protocol;

import java.util.Optional;

/**
 * The WAL archive of a PostgreSQL store with point-in-time recovery in the repository ({@code wal/<store>/}, written
 * by the postgres-agent's archive command, pruned by the coordinator's retention), and the positions of WAL file names.
 * Segments are assumed to be 16 MiB (PostgreSQL's default), so a segment's name after its 8-digit timeline is its
 * position: {@code <LSN high 32 bits><LSN low 32 bits / 16 MiB>}, both 8 hex digits, which sort as the WAL does.
 */
public final class WalNames {

    /** Every store's WAL archive lies under {@code wal/}. */
    public static final String ROOT = "wal/";

    private WalNames() {}

    /** The repository prefix of a store's WAL archive. */
    public static String prefix(String store) {
        return ROOT + store + "/";
    }

    /** The position (16 hex digits) of the segment that holds {@code lsn} ({@code X/Y}, as PostgreSQL prints it). */
    public static String segmentPosition(String lsn) {
        String[] parts = lsn.split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("not a WAL position: '" + lsn + "'");
        }
        long high = Long.parseLong(parts[0], 16);
        long low = Long.parseLong(parts[1], 16);
        return String.format("%08X%08X", high, low >>> 24);
    }

    /**
     * The segment position of an archived file: a segment ({@code 000000010000000000000003}) or a backup label
     * ({@code 000000010000000000000003.00000028.backup}); empty for a timeline history file and anything else.
     */
    public static Optional<String> position(String fileName) {
        if (fileName.length() >= 24 && fileName.substring(0, 24).matches("[0-9A-F]{24}")) {
            String rest = fileName.substring(24);
            if (rest.isEmpty() || rest.matches("\\.[0-9A-F]{8}\\.backup")) {
                return Optional.of(fileName.substring(8, 24));
            }
        }
        return Optional.empty();
    }
}
