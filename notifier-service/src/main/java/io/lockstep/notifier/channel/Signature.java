package io.lockstep.notifier.channel;

import io.lockstep.notifier.routing.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook signatures. The signed text is {@code <timestamp>.<body>}: the value of {@code X-Lockstep-Timestamp}
 * (Unix seconds), a dot, and the raw body bytes. Signing the timestamp with the body means a captured request
 * cannot be replayed later with a fresh timestamp. {@code X-Lockstep-Signature} is {@code sha256=} followed by the
 * lowercase hex HMAC-SHA256 of that text under the channel's secret.
 */
public final class Signature {

    public static final String SIGNATURE_HEADER = "X-Lockstep-Signature";
    public static final String TIMESTAMP_HEADER = "X-Lockstep-Timestamp";
    public static final String PREFIX = "sha256=";

    private Signature() {}

    /** The {@code X-Lockstep-Signature} value for a body sent at the given Unix second. */
    public static String sign(Secret secret, long timestamp, byte[] body) {
        return PREFIX + HexFormat.of().formatHex(hmac(secret.bytes(), timestamp, body));
    }

    /**
     * What a receiver does: recompute and compare in constant time, and refuse a timestamp further than the
     * tolerance from its own clock.
     */
    public static boolean verify(
            byte[] secret,
            String timestampHeader,
            byte[] body,
            String signatureHeader,
            long nowSeconds,
            long toleranceSeconds) {
        if (timestampHeader == null || signatureHeader == null || !signatureHeader.startsWith(PREFIX)) {
            return false;
        }
        long timestamp;
        try {
            timestamp = Long.parseLong(timestampHeader.trim());
        } catch (NumberFormatException e) {
            return false;
        }
        if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
            return false;
        }
        byte[] expected = hmac(secret, timestamp, body);
        byte[] given;
        try {
            given = HexFormat.of().parseHex(signatureHeader.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(expected, given);
    }

    private static byte[] hmac(byte[] key, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
