package io.lockstep.systemtests.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The application's PostgreSQL (the password-protected cluster on 5433): test data and table checksums. */
public final class AppDatabase {

    private AppDatabase() {}

    public static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:postgresql://" + Lockstep.APP_PG_HOST + ":" + Lockstep.APP_PG_PORT + "/" + database,
                Lockstep.APP_PG_USER,
                Lockstep.APP_PG_PASSWORD);
    }

    public static void recreate(String database) throws SQLException {
        try (Connection c = connect("postgres");
                Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            st.execute("CREATE DATABASE " + database);
        }
    }

    /** Whether a database of that name exists on the application cluster. */
    public static boolean exists(String database) throws SQLException {
        try (Connection c = connect("postgres");
                var st = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            st.setString(1, database);
            try (var rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The scratch ({@code _lsrestore_}) and renamed-aside ({@code _lsold_}) databases a restore of {@code database} made. */
    public static java.util.List<String> restoreLeftovers(String database) throws SQLException {
        java.util.List<String> names = new java.util.ArrayList<>();
        try (Connection c = connect("postgres");
                var st = c.prepareStatement("SELECT datname FROM pg_database WHERE datname LIKE ? "
                        + "AND (datname LIKE '%\\_lsrestore\\_%' OR datname LIKE '%\\_lsold\\_%')")) {
            st.setString(1, database + "%");
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        return names;
    }

    public static void drop(String database) throws SQLException {
        try (Connection c = connect("postgres");
                Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    /** Creates related tables with {@code orders} orders (and about 2.5 lines each). */
    public static void fillShop(String database, int orders) throws SQLException {
        try (Connection c = connect(database);
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE customers (id BIGINT PRIMARY KEY, email TEXT NOT NULL UNIQUE, note TEXT)");
            st.execute("CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT NOT NULL REFERENCES customers, "
                    + "placed_at TIMESTAMPTZ NOT NULL, total NUMERIC(12,2) NOT NULL)");
            st.execute("CREATE TABLE order_lines (order_id BIGINT REFERENCES orders, line INT, sku TEXT, qty INT, "
                    + "PRIMARY KEY (order_id, line))");
            st.execute("INSERT INTO customers SELECT g, 'c' || g || '@example.com', md5(g::text) "
                    + "FROM generate_series(1, 2000) g");
            st.execute("INSERT INTO orders SELECT g, 1 + g % 2000, TIMESTAMPTZ '2026-01-01' + g * INTERVAL '1 minute', "
                    + "(g % 997) * 1.25 FROM generate_series(1, " + orders + ") g");
            st.execute("INSERT INTO order_lines SELECT o, l, 'SKU-' || (o * l % 500), 1 + (o + l) % 4 "
                    + "FROM generate_series(1, " + orders + ") o, generate_series(1, 1 + o % 4) l");
        }
    }

    /** A checksum of every row of every user table: table name to (row count, md5 of all rows in order). */
    public static Map<String, String> tableChecksums(String database) throws SQLException {
        Map<String, String> sums = new TreeMap<>();
        try (Connection c = connect(database);
                Statement st = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String table : tables) {
                try (ResultSet rs =
                        st.executeQuery("SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                                + "FROM " + table + " t")) {
                    rs.next();
                    sums.put(table, rs.getLong(1) + ":" + rs.getString(2));
                }
            }
        }
        return sums;
    }
}
