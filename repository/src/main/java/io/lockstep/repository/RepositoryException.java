package io.lockstep.repository;

/** A repository read or write failed; the message is readable and holds no credential. */
public class RepositoryException extends RuntimeException {

    public RepositoryException(String message) {
        super(message);
    }

    public RepositoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
