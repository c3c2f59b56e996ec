package io.lockstep.coordinator.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonColumnsTest {

    static final String STORED_PLAN =
            "{\"stores\":[\"app\",\"media\"],\"verify\":\"checksum\",\"references\":[{\"store\":"
                    + "\"app\",\"database\":\"shop\",\"query\":\"select key from images\",\"objects\":\"media\"}],"
                    + "\"timeouts\":{\"backup\":\"30m\"}}";

    @Test
    void aStoredPlanReadsAsATypedSpecAndIsWrittenBackAsTheSameJson() {
        JsonColumns.PlanSpecs column = new JsonColumns.PlanSpecs();
        PlanSpec spec = column.convertToEntityAttribute(STORED_PLAN);
        assertEquals(
                List.of(new PlanSpec.Reference("app", "shop", "select key from images", "media")),
                spec.referenceList());
        assertEquals("30m", spec.timeouts().get("backup"));
        assertEquals(STORED_PLAN, column.convertToDatabaseColumn(spec));
    }

    @Test
    void aPlanWithoutReferencesHasAnEmptyListAndStoresNone() {
        PlanSpec spec = new JsonColumns.PlanSpecs().convertToEntityAttribute("{\"stores\":[\"app\"]}");
        assertEquals(List.of(), spec.referenceList());
        assertEquals("{\"stores\":[\"app\"]}", new JsonColumns.PlanSpecs().convertToDatabaseColumn(spec));
    }

    @Test
    void evidenceAndParametersAreNeverNullAndNullableColumnsStayNull() {
        JsonColumns.StringMap strings = new JsonColumns.StringMap();
        assertEquals(Map.of(), strings.convertToEntityAttribute(null));
        assertEquals("{}", strings.convertToDatabaseColumn(null));
        assertEquals(Map.of("tocEntries", "5"), strings.convertToEntityAttribute("{\"tocEntries\":\"5\"}"));
        JsonColumns.ObjectMap objects = new JsonColumns.ObjectMap();
        assertNull(objects.convertToEntityAttribute(null));
        assertNull(objects.convertToDatabaseColumn(null));
        assertEquals(
                Map.of("passed", true, "rows", 1200),
                objects.convertToEntityAttribute("{\"passed\":true,\"rows\":1200}"));
    }

    @Test
    void aRestoreRequestRoundTripsWithoutTheFieldsItLeftOut() {
        JsonColumns.Options column = new JsonColumns.Options();
        String stored = "{\"stores\":[\"app\"],\"dryRun\":false,\"force\":false,\"prune\":true}";
        RestoreOptions options = column.convertToEntityAttribute(stored);
        assertEquals(List.of("app"), options.stores());
        assertEquals(true, options.isPrune());
        assertEquals(stored, column.convertToDatabaseColumn(options));
    }

    @Test
    void aPointInTimeRestoreKeepsItsTime() {
        JsonColumns.Options column = new JsonColumns.Options();
        String stored = "{\"dryRun\":false,\"force\":false,\"prune\":false,\"pointInTime\":\"2026-11-30T15:04:05Z\"}";
        RestoreOptions options = column.convertToEntityAttribute(stored);
        assertEquals("2026-11-30T15:04:05Z", options.pointInTime());
        assertEquals(stored, column.convertToDatabaseColumn(options));
    }
}
