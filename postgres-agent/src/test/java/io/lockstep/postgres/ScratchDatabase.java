package io.lockstep.postgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A database of its own for an integration test, on the catalog cluster (PostgreSQL on 127.0.0.1:5432, trust
 * authentication, which the build starts), created with a random suffix and dropped with its connections.
 */
public final class ScratchDatabase {

    private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";

    private ScratchDatabase() {}

    /** Creates {@code <prefix><8 random hex digits>}, runs {@code statements} in it, and returns its name. */
    public static String create(String prefix, String... statements) throws SQLException {
        String database = prefix + UUID.randomUUID().toString().substring(0, 8);
        try (Connection admin = connect("postgres");
                Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + database);
        }
        try (Connection c = connect(database);
                Statement st = c.createStatement()) {
            for (String statement : statements) {
                st.execute(statement);
            }
        }
        return database;
    }

    /** A connection to {@code database} as the superuser {@code postgres}. */
    public static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(SERVER + database, "postgres", "");
    }

    public static void drop(String database) throws SQLException {
        try (Connection admin = connect("postgres");
                Statement st = admin.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }
}
