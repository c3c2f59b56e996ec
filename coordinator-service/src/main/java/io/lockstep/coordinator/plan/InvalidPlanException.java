package io.lockstep.coordinator.plan;

/** A plan the coordinator cannot accept; the message says what to change. */
public class InvalidPlanException extends RuntimeException {

    private final int status;

    public InvalidPlanException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
