package io.lockstep.coordinator.run;

import java.util.UUID;

/**
 * A restore, drill or re-verification that cannot start; the API answers with the status, the title and the message,
 * and the run it concerns ({@code runId}) when there is one.
 */
public class RestoreRejectedException extends RuntimeException {

    private final int status;
    private final String title;
    private final UUID runId;

    public RestoreRejectedException(int status, String title, String message) {
        this(status, title, message, null);
    }

    public RestoreRejectedException(int status, String title, String message, UUID runId) {
        super(message);
        this.status = status;
        this.title = title;
        this.runId = runId;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** The backup or dry run the refusal is about, or null. */
    public UUID runId() {
        return runId;
    }
}
