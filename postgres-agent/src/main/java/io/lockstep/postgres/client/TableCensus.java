package io.lockstep.postgres.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Row count and an order-independent checksum of every user table of a database: taken under the backup's snapshot,
 * it is what a restore drill compares the restored database with. The checksum sums the first 60 bits of each row's
 * MD5 (of its text form) as a numeric, so it needs one scan and no sort.
 */
public final class TableCensus {

    private static final String TABLES = "SELECT t.name FROM (SELECT format('%I.%I', n.nspname, c.relname) AS name "
            + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' "
            + "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%') t "
            + "ORDER BY t.name COLLATE \"C\"";

    /** One table's figures. */
    public record Table(String name, long rows, String checksum) {}

    private TableCensus() {}

    /** Counts and checksums every user table, in the connection's current transaction. */
    public static List<Table> take(java.sql.Connection jdbc) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement st = jdbc.createStatement();
                ResultSet rs = st.executeQuery(TABLES)) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        List<Table> tables = new ArrayList<>();
        for (String name : names) {
            String sql =
                    "SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)::text FROM "
                            + name + " t";
            try (Statement st = jdbc.createStatement();
                    ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                tables.add(new Table(name, rs.getLong(1), rs.getString(2)));
            }
        }
        return tables;
    }

    /** Tab-separated lines {@code name rows checksum}, sorted by name. */
    public static byte[] encode(List<Table> tables) {
        StringBuilder text = new StringBuilder();
        for (Table t : tables) {
            text.append(t.name())
                    .append('\t')
                    .append(t.rows())
                    .append('\t')
                    .append(t.checksum())
                    .append('\n');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static List<Table> decode(InputStream in) throws IOException {
        List<Table> tables = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t");
            if (f.length != 3) {
                throw new IOException("malformed table census line: " + line);
            }
            tables.add(new Table(f[0], Long.parseLong(f[1]), f[2]));
        }
        return tables;
    }

    /** Readable differences between what the backup recorded and what a database holds; empty when equal. */
    public static List<String> differences(List<Table> recorded, List<Table> actual) {
        Map<String, Table> expected = new TreeMap<>();
        recorded.forEach(t -> expected.put(t.name(), t));
        Map<String, Table> found = new TreeMap<>();
        actual.forEach(t -> found.put(t.name(), t));
        List<String> problems = new ArrayList<>();
        for (Table e : expected.values()) {
            Table a = found.get(e.name());
            if (a == null) {
                problems.add("table " + e.name() + " is missing");
            } else if (a.rows() != e.rows()) {
                problems.add("table " + e.name() + " has " + a.rows() + " rows, the backup recorded " + e.rows());
            } else if (!a.checksum().equals(e.checksum())) {
                problems.add("table " + e.name() + " has the recorded " + e.rows() + " rows but a different checksum");
            }
        }
        for (String extra : found.keySet()) {
            if (!expected.containsKey(extra)) {
                problems.add("table " + extra + " was not in the backup");
            }
        }
        return problems;
    }
}
