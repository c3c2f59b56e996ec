package io.lockstep.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A CloudEvents 1.0 envelope in structured JSON mode. {@code data} stays a tree until the reader asks for
 * its payload type, so an envelope can be routed and de-duplicated before its payload is parsed.
 *
 * @param specversion always {@code "1.0"}
 * @param id unique per event; handlers are idempotent on it
 * @param source the emitting service, for example {@code /agents/pg-1} or {@code /coordinator}
 * @param type one of {@link EventTypes}
 * @param subject what the event is about: a run id, an agent id
 * @param time when it was emitted
 * @param datacontenttype always {@code application/json}
 * @param data the payload
 * @param lockstepkeyid extension attribute: the id of the key that signed the event ({@link EventSigningKey#id()}),
 *     absent when unsigned
 * @param lockstepsignature extension attribute: the event's HMAC-SHA256 ({@link EventSignatures}), absent when
 *     unsigned; consumers that do not check it read the event as before
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CloudEvent(
        String specversion,
        String id,
        String source,
        String type,
        String subject,
        Instant time,
        String datacontenttype,
        JsonNode data,
        String lockstepkeyid,
        String lockstepsignature) {

    /** An unsigned envelope. */
    public CloudEvent(
            String specversion,
            String id,
            String source,
            String type,
            String subject,
            Instant time,
            String datacontenttype,
            JsonNode data) {
        this(specversion, id, source, type, subject, time, datacontenttype, data, null, null);
    }

    /** This envelope with the given signature attributes (both null: unsigned). */
    public CloudEvent withSignature(String keyId, String signature) {
        return new CloudEvent(specversion, id, source, type, subject, time, datacontenttype, data, keyId, signature);
    }

    public static final String SPEC_VERSION = "1.0";
    public static final String CONTENT_TYPE = "application/json";
    /** The Kafka record header value for structured-mode CloudEvents. */
    public static final String STRUCTURED_CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8";
}
