package io.lockstep.repository;

import java.io.IOException;

/** An artifact's stored bytes do not match what was recorded when it was written (or cannot be authenticated). */
public class IntegrityException extends IOException {

    public IntegrityException(String message) {
        super(message);
    }
}
