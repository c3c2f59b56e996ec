package io.lockstep.repository;

/**
 * An encrypted artifact whose data key cannot be unwrapped here: the key-encryption key its header names is not
 * configured (no keyset, or a keyset without that key), or it refused. Not damage: with the right key the artifact may
 * read whole. {@link #kekId()} names the key it needs, never material.
 */
public class UnreadableKeyException extends IntegrityException {

    private final String kekId;

    public UnreadableKeyException(String message, String kekId) {
        super(message);
        this.kekId = kekId;
    }

    /** The id of the key-encryption key the artifact's header names, e.g. {@code tink-2873258463}. */
    public String kekId() {
        return kekId;
    }
}
