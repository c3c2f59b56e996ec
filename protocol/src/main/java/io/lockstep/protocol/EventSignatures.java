package io.lockstep.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs an agent's events so the coordinator can tell that the agent the {@code source} names sent them: an
 * HMAC-SHA256, under the agent's {@link EventSigningKey}, of the {@linkplain #canonical canonical form} of the
 * envelope, carried in the CloudEvents extension attributes {@code lockstepkeyid} and {@code lockstepsignature}
 * (base64). Consumers that ignore them read the event as before.
 */
public final class EventSignatures {

    /** The first element of the canonical form: a new form gets a new name, never a new meaning. */
    static final String FORM = "lockstep-event-hmac-sha256/1";

    private static final String ALGORITHM = "HmacSHA256";

    /** What checking an event's signature against a key found. */
    public enum Verdict {
        /** Signed with the key, and unchanged since. */
        VALID,
        /** Carries no signature. */
        UNSIGNED,
        /** Signed, but names another key id than the key checked against. */
        OTHER_KEY,
        /** Names the key but its signature does not match: changed, forged, or not base64. */
        BAD_SIGNATURE
    }

    private EventSignatures() {}

    /** The event signed with the key (any signature it carried is replaced). */
    public static CloudEvent sign(CloudEvent event, EventSigningKey key) {
        CloudEvent named = event.withSignature(key.id(), null);
        return named.withSignature(key.id(), Base64.getEncoder().encodeToString(mac(named, key)));
    }

    /** Checks the event's signature against the key, comparing the MACs in constant time. */
    public static Verdict verify(CloudEvent event, EventSigningKey key) {
        if (event.lockstepsignature() == null || event.lockstepsignature().isEmpty()) {
            return Verdict.UNSIGNED;
        }
        if (!key.isNamed(event.lockstepkeyid())) {
            return Verdict.OTHER_KEY;
        }
        byte[] claimed;
        try {
            claimed = Base64.getDecoder().decode(event.lockstepsignature());
        } catch (IllegalArgumentException e) {
            return Verdict.BAD_SIGNATURE;
        }
        return MessageDigest.isEqual(mac(event, key), claimed) ? Verdict.VALID : Verdict.BAD_SIGNATURE;
    }

    /**
     * The bytes signed: a JSON array (so no field can bleed into the next) of {@link #FORM}, the spec version, id,
     * source, type, subject (an agent event's Kafka record key), time (ISO-8601), data content type, key id and the
     * data as compact JSON, exactly as {@link EventCodec} writes it. Absent attributes are {@code null}.
     */
    static byte[] canonical(CloudEvent event) {
        try {
            String data = event.data() == null ? null : EventCodec.mapper().writeValueAsString(event.data());
            String[] fields = {
                FORM,
                event.specversion(),
                event.id(),
                event.source(),
                event.type(),
                event.subject(),
                event.time() == null ? null : event.time().toString(),
                event.datacontenttype(),
                event.lockstepkeyid(),
                data
            };
            return EventCodec.mapper().writeValueAsString(fields).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the canonical form of event " + event.id(), e);
        }
    }

    private static byte[] mac(CloudEvent event, EventSigningKey key) {
        byte[] canonical = canonical(event);
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key.bytes(), ALGORITHM));
            return mac.doFinal(canonical);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is not available", e);
        } finally {
            Arrays.fill(canonical, (byte) 0);
        }
    }
}
