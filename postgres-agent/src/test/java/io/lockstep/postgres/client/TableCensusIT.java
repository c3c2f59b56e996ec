package io.lockstep.postgres.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.postgres.ScratchDatabase;
import io.lockstep.postgres.client.TableCensus.Table;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The table census against the real PostgreSQL (the catalog cluster on 5432, version 15, which the build starts): each
 * table is checksummed by {@code hash_record_extended} where its column types allow it and by the MD5 of its rows'
 * text where they do not, inside one read-only transaction like the backup's; a drill recomputes each table the way
 * the backup recorded it.
 */
class TableCensusIT {

    private static final String MD5_SUM =
            "SELECT coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)::text FROM ";

    private static String database;

    @BeforeAll
    static void createDatabase() throws Exception {
        database = ScratchDatabase.create(
                "lockstep_census_it_",
                "CREATE TABLE a_orders (id int PRIMARY KEY, total numeric, tags text[], at timestamptz, doc jsonb, "
                        + "span int4range)",
                "INSERT INTO a_orders SELECT g, g * 1.5, ARRAY['x', g::text], '2026-01-01'::timestamptz + "
                        + "g * interval '1 hour', jsonb_build_object('n', g), int4range(g, g + 10) "
                        + "FROM generate_series(1, 500) g",
                // the same rows in the opposite order
                "CREATE TABLE b_orders_reversed (LIKE a_orders)",
                "INSERT INTO b_orders_reversed SELECT * FROM a_orders ORDER BY id DESC",
                // json and point have no extended hash function: this table is summed by MD5
                "CREATE TABLE c_events (id int, body json, at point)",
                "INSERT INTO c_events SELECT g, json_build_object('e', g), point(g, g) FROM generate_series(1, 50) g",
                // after the one that falls back: the transaction must still be usable
                "CREATE TABLE d_tail (id int)",
                "INSERT INTO d_tail SELECT generate_series(1, 7)");
    }

    @AfterAll
    static void dropDatabase() throws Exception {
        ScratchDatabase.drop(database);
    }

    /** A census in a read-only repeatable-read transaction, as the backup and the drill take it. */
    private static Map<String, Table> census(List<Table> recorded) throws SQLException {
        try (var c = ScratchDatabase.connect(database)) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            }
            try {
                return TableCensus.take(c, recorded).stream()
                        .collect(Collectors.toMap(t -> t.name().replace("public.", ""), t -> t));
            } finally {
                c.rollback();
            }
        }
    }

    private static String md5Sum(String table) throws SQLException {
        try (var c = ScratchDatabase.connect(database);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(MD5_SUM + table + " t")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void hashableTablesAreHashedAndOthersSummedByMd5InOneTransaction() throws Exception {
        Map<String, Table> tables = census(List.of());

        assertEquals(4, tables.size(), tables::toString);
        assertEquals(500, tables.get("a_orders").rows());
        assertTrue(tables.get("a_orders").checksum().startsWith("hash:"), tables::toString);
        assertEquals(50, tables.get("c_events").rows());
        assertEquals(md5Sum("c_events"), tables.get("c_events").checksum(), "json and point: the MD5 form");
        assertEquals(7, tables.get("d_tail").rows(), "the table after the fallback is still counted");
        assertTrue(tables.get("d_tail").checksum().startsWith("hash:"), tables::toString);
    }

    @Test
    void theChecksumDoesNotDependOnRowOrderButOnEveryValue() throws Exception {
        Map<String, Table> before = census(List.of());
        assertEquals(
                before.get("a_orders").checksum(),
                before.get("b_orders_reversed").checksum());

        try (var c = ScratchDatabase.connect(database);
                Statement st = c.createStatement()) {
            st.execute("UPDATE b_orders_reversed SET tags = ARRAY['x', 'changed'] WHERE id = 250");
        }
        try {
            Map<String, Table> after = census(List.of());
            assertEquals(500, after.get("b_orders_reversed").rows());
            assertNotEquals(
                    before.get("b_orders_reversed").checksum(),
                    after.get("b_orders_reversed").checksum());
        } finally {
            try (var c = ScratchDatabase.connect(database);
                    Statement st = c.createStatement()) {
                st.execute("UPDATE b_orders_reversed SET tags = ARRAY['x', '250'] WHERE id = 250");
            }
        }
    }

    @Test
    void aCensusRecordedInTheMd5FormIsRecomputedThatWaySoOlderBackupsStillDrill() throws Exception {
        Map<String, Table> now = census(List.of());
        // a census written before the hash form: bare MD5 sums for every table
        List<Table> older = List.of(
                new Table("public.a_orders", 500, md5Sum("a_orders")), new Table("public.d_tail", 7, md5Sum("d_tail")));

        Map<String, Table> drilled = census(older);

        assertEquals(md5Sum("a_orders"), drilled.get("a_orders").checksum());
        assertEquals(md5Sum("d_tail"), drilled.get("d_tail").checksum());
        assertEquals(now.get("b_orders_reversed"), drilled.get("b_orders_reversed"), "not recorded: the default");
        assertEquals(
                List.of(), TableCensus.differences(older, List.of(drilled.get("a_orders"), drilled.get("d_tail"))));
        assertFalse(
                TableCensus.differences(List.copyOf(now.values()), List.copyOf(drilled.values()))
                        .isEmpty(),
                "the two forms never compare equal");
    }
}
