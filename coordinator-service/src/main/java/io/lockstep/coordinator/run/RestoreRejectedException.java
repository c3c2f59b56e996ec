package io.lockstep.coordinator.run;

/** A restore, drill or re-verification that cannot start; the API answers with the status and the message. */
public class RestoreRejectedException extends RuntimeException {

    private final int status;
    private final String title;

    public RestoreRejectedException(int status, String title, String message) {
        super(message);
        this.status = status;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }
}
