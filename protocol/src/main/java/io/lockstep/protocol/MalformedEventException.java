package io.lockstep.protocol;

/** A record that is not a valid Lockstep CloudEvent. Consumers send such records to the dead-letter topic. */
public class MalformedEventException extends RuntimeException {

    public MalformedEventException(String message) {
        super(message);
    }

    public MalformedEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
