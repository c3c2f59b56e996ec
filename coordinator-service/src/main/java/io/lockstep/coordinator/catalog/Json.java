package io.lockstep.coordinator.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.protocol.EventCodec;
import java.util.List;
import java.util.Map;

/** JSON text of the catalog, read and written with the wire mapper; the typed columns go through {@link JsonColumns}. */
public final class Json {

    private Json() {}

    public static String write(Object value) {
        try {
            return EventCodec.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** JSON text as a record or class; null for null. */
    public static <T> T read(String json, Class<T> type) {
        return read(json, EventCodec.mapper().getTypeFactory().constructType(type));
    }

    /** JSON text as a generic type; null for null. */
    public static <T> T read(String json, TypeReference<T> type) {
        return read(json, EventCodec.mapper().getTypeFactory().constructType(type));
    }

    private static <T> T read(String json, JavaType type) {
        try {
            return json == null ? null : EventCodec.mapper().readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable JSON column: " + e.getOriginalMessage(), e);
        }
    }

    /** A JSON object of strings (a store's attributes); empty for null. */
    public static Map<String, String> readMap(String json) {
        Map<String, String> map = read(json, new TypeReference<Map<String, String>>() {});
        return map == null ? Map.of() : map;
    }

    /** A JSON array of strings (a store's databases, an agent's active steps); empty for null. */
    public static List<String> readList(String json) {
        List<String> list = read(json, new TypeReference<List<String>>() {});
        return list == null ? List.of() : list;
    }

    /** A value as a tree, for API views; null for null. */
    public static JsonNode tree(Object value) {
        return value == null ? null : EventCodec.mapper().valueToTree(value);
    }

    /** An agent's numeric evidence value (evidence values are strings); 0 when absent or not a number. */
    public static long number(String value) {
        try {
            return value == null ? 0 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
