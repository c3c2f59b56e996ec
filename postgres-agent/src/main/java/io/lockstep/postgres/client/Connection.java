package io.lockstep.postgres.client;

import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.postgres.config.PostgresAgentConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * How to reach one database of a store, with its secret kept apart: the password goes to JDBC as a property
 * and to libpq programs through a private PGPASSFILE, never onto a command line. {@link #toString()} shows
 * no secret.
 */
public final class Connection {

    private final String store;
    private final PostgresAgentConfig.Store config;
    private final String database;
    private final String password;
    private final int connectTimeoutSeconds;

    public Connection(String store, PostgresAgentConfig.Store config, String database, int connectTimeoutSeconds)
            throws StepFailure {
        this.store = store;
        this.config = config;
        this.database = database;
        this.password = readPassword(store, config);
        this.connectTimeoutSeconds = connectTimeoutSeconds;
    }

    private static String readPassword(String store, PostgresAgentConfig.Store config) throws StepFailure {
        if (config.passwordFile().isPresent()) {
            Path file = config.passwordFile().get();
            try {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                return lines.isEmpty() ? "" : lines.get(0);
            } catch (IOException e) {
                throw new StepFailure("cannot read the password file " + file + " of store " + store + ": "
                        + e.getClass().getSimpleName());
            }
        }
        return config.password().orElse(null);
    }

    /** The same server and credentials, another database (for example {@code postgres} for maintenance). */
    public Connection withDatabase(String otherDatabase) {
        return new Connection(store, config, otherDatabase, password, connectTimeoutSeconds);
    }

    private Connection(
            String store,
            PostgresAgentConfig.Store config,
            String database,
            String password,
            int connectTimeoutSeconds) {
        this.store = store;
        this.config = config;
        this.database = database;
        this.password = password;
        this.connectTimeoutSeconds = connectTimeoutSeconds;
    }

    /** Opens a JDBC connection; a failure is a readable step failure without the password. */
    public java.sql.Connection open() throws StepFailure {
        try {
            return java.sql.DriverManager.getConnection(jdbcUrl(), jdbcProperties());
        } catch (java.sql.SQLException e) {
            throw new StepFailure("cannot connect to " + describe() + ": "
                    + io.lockstep.agent.core.process.Redactor.redact(e.getMessage(), secrets()));
        }
    }

    /**
     * Opens a JDBC connection for SQL a plan drives: its session starts with {@code default_transaction_read_only=on} and
     * the given {@code statement_timeout} and {@code idle_in_transaction_session_timeout}, so even a transaction after
     * an unexpected {@code COMMIT} could not write. Use it through {@link ReadOnlySession}.
     */
    java.sql.Connection openReadOnly(Duration statementTimeout, Duration idleInTransactionTimeout) throws StepFailure {
        Properties props = jdbcProperties();
        props.setProperty(
                "options",
                "-c default_transaction_read_only=on -c statement_timeout=" + statementTimeout.toMillis()
                        + " -c idle_in_transaction_session_timeout=" + idleInTransactionTimeout.toMillis());
        try {
            return java.sql.DriverManager.getConnection(jdbcUrl(), props);
        } catch (java.sql.SQLException e) {
            throw new StepFailure("cannot connect to " + describe() + ": "
                    + io.lockstep.agent.core.process.Redactor.redact(e.getMessage(), secrets()));
        }
    }

    public String database() {
        return database;
    }

    public List<String> secrets() {
        return password == null ? List.of() : List.of(password);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + config.host() + ":" + config.port() + "/" + database;
    }

    public Properties jdbcProperties() {
        Properties props = new Properties();
        props.setProperty("user", config.user());
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("sslmode", config.sslmode());
        props.setProperty("ApplicationName", "lockstep-postgres-agent");
        props.setProperty("connectTimeout", Integer.toString(connectTimeoutSeconds));
        return props;
    }

    /** Arguments that select the server and user for pg_dump and friends (no password, no database). */
    public List<String> libpqArguments() {
        return List.of(
                "--host=" + config.host(), "--port=" + config.port(), "--username=" + config.user(), "--no-password");
    }

    /**
     * The environment for a libpq program: a 0600 PGPASSFILE holding the one password, deleted when the step
     * ends.
     */
    public Map<String, String> libpqEnvironment(Path passFile) {
        Map<String, String> env = new HashMap<>();
        env.put("PGPASSFILE", passFile.toString());
        env.put("PGSSLMODE", config.sslmode());
        env.put("PGCONNECT_TIMEOUT", Integer.toString(connectTimeoutSeconds));
        env.put("PGAPPNAME", "lockstep-postgres-agent");
        return env;
    }

    /** Writes a private pgpass file; the caller deletes it. */
    public Path writePassFile() throws StepFailure {
        try {
            Path file = Files.createTempFile(
                    "lockstep-pgpass-",
                    "",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            String line = String.join(
                    ":",
                    escape(config.host()),
                    Integer.toString(config.port()),
                    "*",
                    escape(config.user()),
                    escape(password == null ? "" : password));
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new StepFailure("cannot write a private password file for pg_dump (is the temp directory full?): "
                    + e.getClass().getSimpleName() + " " + e.getMessage());
        }
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace(":", "\\:");
    }

    public String describe() {
        return "database " + database + " of store " + store + " (" + config.user() + "@" + config.host() + ":"
                + config.port() + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
