package io.lockstep.coordinator.catalog;

import com.fasterxml.jackson.core.type.TypeReference;
import jakarta.persistence.AttributeConverter;
import java.util.Map;

/**
 * The catalog's JSON columns as typed attributes: each converter stores its type as JSON text in the existing
 * {@code text} columns (no migration), with the wire mapper ({@link Json}).
 */
public final class JsonColumns {

    private JsonColumns() {}

    /** A JSON column read as {@code T}; null stays null. */
    abstract static class Column<T> implements AttributeConverter<T, String> {

        private final TypeReference<T> type;

        Column(TypeReference<T> type) {
            this.type = type;
        }

        @Override
        public String convertToDatabaseColumn(T value) {
            return value == null ? null : Json.write(value);
        }

        @Override
        public T convertToEntityAttribute(String json) {
            return Json.read(json, type);
        }
    }

    /** A plan as validated ({@code plans.spec}, {@code runs.plan_spec}). */
    public static class PlanSpecs extends Column<PlanSpec> {
        public PlanSpecs() {
            super(new TypeReference<>() {});
        }
    }

    /** An operator's restore request ({@code runs.options}). */
    public static class Options extends Column<RestoreOptions> {
        public Options() {
            super(new TypeReference<>() {});
        }
    }

    /** A JSON object of any values ({@code runs.result}, {@code runs.verification}). */
    public static class ObjectMap extends Column<Map<String, Object>> {
        public ObjectMap() {
            super(new TypeReference<>() {});
        }
    }

    /** A JSON object of strings, never null: {@code {}} when empty ({@code steps.evidence}, {@code steps.parameters}). */
    public static class StringMap extends Column<Map<String, String>> {
        public StringMap() {
            super(new TypeReference<>() {});
        }

        @Override
        public String convertToDatabaseColumn(Map<String, String> value) {
            return Json.write(value == null ? Map.of() : value);
        }

        @Override
        public Map<String, String> convertToEntityAttribute(String json) {
            Map<String, String> map = super.convertToEntityAttribute(json);
            return map == null ? Map.of() : map;
        }
    }
}
