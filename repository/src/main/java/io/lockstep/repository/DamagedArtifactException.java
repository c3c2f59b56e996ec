package io.lockstep.repository;

/**
 * The stored bytes themselves are wrong: they hash to another SHA-256 than the one recorded, or fail the AEAD's
 * authentication (altered, truncated, or moved here from another key). Unlike a plain {@link IntegrityException}
 * (a key-encryption key that is missing or refuses), re-reading with other keys cannot help: the artifact is
 * worthless under its name.
 */
public class DamagedArtifactException extends IntegrityException {

    public DamagedArtifactException(String message) {
        super(message);
    }
}
