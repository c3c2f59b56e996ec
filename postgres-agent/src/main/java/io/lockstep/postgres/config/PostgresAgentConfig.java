package io.lockstep.postgres.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The PostgreSQL servers this agent backs up. Example:
 *
 * <pre>
 * lockstep.postgres.stores.app.host=127.0.0.1
 * lockstep.postgres.stores.app.user=backup
 * lockstep.postgres.stores.app.password-file=/run/secrets/app-db-password
 * lockstep.postgres.stores.app.databases=genomic,clinical
 * </pre>
 *
 * A password is read from {@code password-file} or {@code password} (set the latter through the environment,
 * for example {@code LOCKSTEP_POSTGRES_STORES_APP_PASSWORD}); it reaches pg_dump only through a private
 * PGPASSFILE.
 */
@ConfigMapping(prefix = "lockstep.postgres")
public interface PostgresAgentConfig {

    /** Stores by id. The id is how plans name the store. */
    Map<String, Store> stores();

    /** Directory holding pg_dump and pg_restore; by default the newest /usr/lib/postgresql/N/bin, else PATH. */
    Optional<Path> binDir();

    /** How long a connection attempt may take before the step fails. */
    @WithDefault("15s")
    Duration connectTimeout();

    /**
     * pg_dump's {@code --lock-wait-timeout}: how long it waits for the ACCESS SHARE lock on each table at its start;
     * a table held by an exclusive lock (a long migration) then fails the step at once instead of hanging until the
     * step deadline. {@code 0} leaves the option out (wait for ever).
     */
    @WithDefault("60s")
    Duration lockWaitTimeout();

    /**
     * {@code statement_timeout} of a plan's reference query (on the source under the backup's snapshot, and on a restored
     * or scratch database): a query running longer fails its step with a readable reason instead of holding the
     * snapshot until the step deadline.
     */
    @WithDefault("5m")
    Duration queryTimeout();

    /**
     * {@code statement_timeout} of each statement of the table census (one scan with a checksum per table): Lockstep's
     * own SQL, but over the operator's tables, so bounded too; large tables need more than a reference query.
     */
    @WithDefault("1h")
    Duration censusTimeout();

    /**
     * {@code idle_in_transaction_session_timeout} of the sessions that run plan queries: a session left idle inside its
     * read-only transaction (a stuck upload of the keys, a lost thread) is ended by the server.
     */
    @WithDefault("1m")
    Duration idleInTransactionTimeout();

    /** How dumps are compressed. */
    Compression compression();

    /** How restores load a dump. */
    Restore restore();

    /** Where point-in-time recoveries run (see docs/architecture.md, "Point-in-time recovery"). */
    Recovery recovery();

    interface Recovery {
        /**
         * Where a point-in-time recovery creates the new cluster's data directory (one sub-directory per restore run);
         * by default the JVM's temporary directory.
         */
        Optional<Path> dir();

        /**
         * The OS user that owns and runs a recovered cluster, for an agent running as root (PostgreSQL refuses to run
         * as root): its commands run through {@code runuser -u USER --}. Empty runs them as the agent's own user.
         */
        Optional<String> runAs();

        /** How long the recovered cluster may take to replay to its target and promote. */
        @WithDefault("10m")
        Duration timeout();
    }

    interface Restore {
        /**
         * pg_restore's {@code --jobs}. Above 1, the dump is first spooled (hash-checked, decrypted, decompressed) to a
         * file in {@link #spoolDir()}, because parallel pg_restore cannot read stdin, and then restored with that many
         * connections into the scratch database (atomic through the swap, so no {@code --single-transaction}). 1
         * streams the dump into {@code pg_restore --single-transaction} without a file.
         */
        @WithDefault("2")
        int jobs();

        /** Where parallel restores spool the dump; by default the JVM's temporary directory. */
        Optional<Path> spoolDir();

        /**
         * Free space (MiB) a spool must leave on its file system: a restore that would go below it fails before it
         * writes, or as soon as it gets there, with the spool file deleted.
         */
        @WithDefault("256")
        long spoolReserveMib();
    }

    interface Compression {
        /**
         * {@code zstd}: pg_dump writes an uncompressed archive ({@code --compress=0}) and the agent compresses it with
         * zstd on several cores, before encryption (about ten times faster than pg_dump's own single-core gzip, for a
         * similar size). {@code pg_dump}: pg_dump compresses with its default gzip, as before.
         */
        @WithDefault("zstd")
        String codec();

        /** zstd level, 1 (fastest) to 19; 3 is zstd's own default. */
        @WithDefault("3")
        int level();

        /** zstd worker threads; 0 picks one per available processor. */
        @WithDefault("0")
        int workers();
    }

    interface Store {
        @WithDefault("127.0.0.1")
        String host();

        @WithDefault("5432")
        int port();

        String user();

        Optional<String> password();

        /** A file whose first line is the password; wins over {@code password}. */
        Optional<Path> passwordFile();

        /** The databases a backup of this store covers. */
        List<String> databases();

        /** libpq sslmode: disable, prefer, require, verify-ca, verify-full. */
        @WithDefault("prefer")
        String sslmode();

        /**
         * Point-in-time recovery: each backup also takes a physical base backup of the whole cluster
         * ({@code pg_basebackup}, in the step of the first of {@link #databases()}), and the cluster archives its WAL
         * into the repository with {@code WalArchiveCli} (archive_mode on, wal_level replica or logical). The user
         * needs the REPLICATION attribute and a {@code replication} line in pg_hba.conf.
         */
        @WithDefault("false")
        boolean pointInTimeRecovery();
    }
}
