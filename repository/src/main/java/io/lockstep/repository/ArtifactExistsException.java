package io.lockstep.repository;

/**
 * A run artifact (anything under {@code runs/}) already exists: run artifacts are written once, so a second write
 * of the same key is refused and the stored bytes stay as they were.
 */
public class ArtifactExistsException extends RepositoryException {

    private final String key;

    public ArtifactExistsException(String key, String objectKey) {
        super("artifact " + objectKey + " already exists: run artifacts are written once, the stored one is kept");
        this.key = key;
    }

    public ArtifactExistsException(String key, String objectKey, Throwable cause) {
        super(
                "artifact " + objectKey + " already exists: run artifacts are written once, the stored one is kept",
                cause);
        this.key = key;
    }

    /** The repository-relative key. */
    public String key() {
        return key;
    }
}
