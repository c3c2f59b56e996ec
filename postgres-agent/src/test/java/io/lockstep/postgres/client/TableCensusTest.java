package io.lockstep.postgres.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.postgres.client.TableCensus.Table;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TableCensusTest {

    private static List<Table> parse(String text) throws IOException {
        return TableCensus.decode(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aCensusIsWrittenAsOneTabSeparatedLinePerTable() {
        byte[] text = TableCensus.encode(
                List.of(new Table("public.orders", 12, "9001"), new Table("public.\"odd name\"", 0, "0")));
        assertEquals("public.orders\t12\t9001\npublic.\"odd name\"\t0\t0\n", new String(text, StandardCharsets.UTF_8));
    }

    @Test
    void parsingWhatWasWrittenGivesTheSameTables() throws IOException {
        List<Table> tables = List.of(new Table("public.a", 1, "123456789012345678901"), new Table("s.b", 0, "0"));
        assertEquals(tables, TableCensus.decode(new ByteArrayInputStream(TableCensus.encode(tables))));
    }

    @Test
    void blankLinesAreSkipped() throws IOException {
        assertEquals(List.of(new Table("public.a", 3, "7")), parse("\npublic.a\t3\t7\n\n"));
    }

    @Test
    void aLineWithoutThreeFieldsIsRefusedNamingTheLine() {
        IOException e = assertThrows(IOException.class, () -> parse("public.a\t3\n"));
        assertTrue(e.getMessage().contains("public.a"), e.getMessage());
    }

    @Test
    void aRowCountThatIsNoNumberIsRefused() {
        assertThrows(NumberFormatException.class, () -> parse("public.a\tmany\t7\n"));
    }

    @Test
    void aDatabaseThatMatchesTheCensusHasNoDifferences() {
        List<Table> recorded = List.of(new Table("public.a", 3, "7"), new Table("public.b", 0, "0"));
        List<Table> actual = List.of(new Table("public.b", 0, "0"), new Table("public.a", 3, "7"));
        assertEquals(List.of(), TableCensus.differences(recorded, actual));
    }

    @Test
    void missingTablesOtherRowCountsOtherChecksumsAndExtraTablesAreEachNamed() {
        List<Table> recorded = List.of(
                new Table("public.gone", 1, "1"), new Table("public.rows", 5, "9"), new Table("public.sum", 5, "9"));
        List<Table> actual = List.of(
                new Table("public.rows", 4, "9"), new Table("public.sum", 5, "8"), new Table("public.new", 0, "0"));
        assertEquals(
                List.of(
                        "table public.gone is missing",
                        "table public.rows has 4 rows, the backup recorded 5",
                        "table public.sum has the recorded 5 rows but a different checksum",
                        "table public.new was not in the backup"),
                TableCensus.differences(recorded, actual));
    }
}
