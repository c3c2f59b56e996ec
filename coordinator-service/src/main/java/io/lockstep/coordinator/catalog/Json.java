package io.lockstep.coordinator.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.lockstep.protocol.EventCodec;
import java.util.List;
import java.util.Map;

/** JSON text columns of the catalog, read and written with the wire mapper. */
public final class Json {

    private Json() {
    }

    public static String write(Object value) {
        try {
            return EventCodec.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Map<String, String> readMap(String json) {
        try {
            return json == null ? Map.of() : EventCodec.mapper().readValue(json, new TypeReference<Map<String, String>>() {
            });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable JSON column: " + e.getOriginalMessage(), e);
        }
    }

    public static List<String> readList(String json) {
        try {
            return json == null ? List.of() : EventCodec.mapper().readValue(json, new TypeReference<List<String>>() {
            });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable JSON column: " + e.getOriginalMessage(), e);
        }
    }

    /** A JSON object column as a map of any values; empty for null. */
    public static Map<String, Object> readObject(String json) {
        try {
            return json == null ? Map.of() : EventCodec.mapper().readValue(json, new TypeReference<Map<String, Object>>() {
            });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable JSON column: " + e.getOriginalMessage(), e);
        }
    }

    /** A JSON column as a record or class; null for null. */
    public static <T> T read(String json, Class<T> type) {
        try {
            return json == null ? null : EventCodec.mapper().readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable JSON column: " + e.getOriginalMessage(), e);
        }
    }

    /** A JSON column as a tree, for API views; null for null. */
    public static com.fasterxml.jackson.databind.JsonNode readTree(String json) {
        try {
            return json == null ? null : EventCodec.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable JSON column: " + e.getOriginalMessage(), e);
        }
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
