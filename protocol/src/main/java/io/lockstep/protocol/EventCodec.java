package io.lockstep.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Clock;
import java.util.UUID;

/**
 * Encodes payloads into CloudEvents JSON and decodes them back, validating the envelope. Thread-safe. Every
 * service uses this one codec, so the wire format is defined in exactly one place.
 */
public final class EventCodec {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE);

    private final String source;
    private final Clock clock;

    public EventCodec(String source) {
        this(source, Clock.systemUTC());
    }

    public EventCodec(String source, Clock clock) {
        this.source = source;
        this.clock = clock;
    }

    /** The shared mapper, configured for the wire format (ISO-8601 instants, unknown fields ignored). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Wraps a payload in a new envelope with a fresh id. */
    public CloudEvent wrap(String type, String subject, Object payload) {
        if (EventTypes.payloadOf(type) == null) {
            throw new IllegalArgumentException("unknown event type " + type);
        }
        return new CloudEvent(
                CloudEvent.SPEC_VERSION,
                UUID.randomUUID().toString(),
                source,
                type,
                subject,
                clock.instant(),
                CloudEvent.CONTENT_TYPE,
                MAPPER.valueToTree(payload));
    }

    /** Wraps and serializes in one go. */
    public String encode(String type, String subject, Object payload) {
        return toJson(wrap(type, subject, payload));
    }

    public static String toJson(CloudEvent event) {
        try {
            return MAPPER.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize event " + event.id(), e);
        }
    }

    /**
     * Parses and validates an envelope.
     *
     * @throws MalformedEventException if the text is not JSON, misses a required attribute, or has an unknown
     *         type
     */
    public static CloudEvent decode(String json) {
        if (json == null || json.isBlank()) {
            throw new MalformedEventException("empty record");
        }
        CloudEvent event;
        try {
            event = MAPPER.readValue(json, CloudEvent.class);
        } catch (JsonProcessingException e) {
            throw new MalformedEventException("not a CloudEvents JSON object: " + e.getOriginalMessage(), e);
        }
        if (!CloudEvent.SPEC_VERSION.equals(event.specversion())) {
            throw new MalformedEventException("unsupported specversion " + event.specversion());
        }
        requireText(event.id(), "id");
        requireText(event.source(), "source");
        requireText(event.type(), "type");
        if (EventTypes.payloadOf(event.type()) == null) {
            throw new MalformedEventException("unknown event type " + event.type());
        }
        if (event.data() == null || !event.data().isObject()) {
            throw new MalformedEventException("event " + event.id() + " has no data object");
        }
        return event;
    }

    /**
     * Reads the payload of a decoded envelope as the record its type names.
     *
     * @throws MalformedEventException if the data does not fit the record
     */
    public static <T> T payload(CloudEvent event, Class<T> type) {
        Class<?> expected = EventTypes.payloadOf(event.type());
        if (expected != type) {
            throw new MalformedEventException(
                    "event " + event.id() + " of type " + event.type() + " does not carry " + type.getSimpleName());
        }
        try {
            return MAPPER.treeToValue(event.data(), type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            String reason = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
            throw new MalformedEventException("event " + event.id() + " has invalid data: " + reason, e);
        } catch (RuntimeException e) {
            // record constructors reject missing required fields with NullPointerException
            throw new MalformedEventException("event " + event.id() + " has invalid data: " + e.getMessage(), e);
        }
    }

    /** Decodes an envelope and its payload in one go. */
    public static <T> T decodePayload(String json, Class<T> type) {
        return payload(decode(json), type);
    }

    private static void requireText(String value, String attribute) {
        if (value == null || value.isBlank()) {
            throw new MalformedEventException("missing CloudEvents attribute '" + attribute + "'");
        }
    }
}
