package io.lockstep.notifier.routing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A credential that never shows itself: {@link #toString()} is a mask, and only {@link #bytes()} reveals it. */
public final class Secret {

    private final byte[] value;

    private Secret(byte[] value) {
        this.value = value;
    }

    public static Secret of(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("a secret must not be empty");
        }
        return new Secret(value.getBytes(StandardCharsets.UTF_8));
    }

    /** A copy of the secret's bytes. */
    public byte[] bytes() {
        return Arrays.copyOf(value, value.length);
    }

    /** Whether the text contains the secret, so an error message can be scrubbed before it is logged. */
    boolean appearsIn(String text) {
        return text != null && text.contains(new String(value, StandardCharsets.UTF_8));
    }

    String reveal() {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "****";
    }
}
