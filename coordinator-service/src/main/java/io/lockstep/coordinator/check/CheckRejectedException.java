package io.lockstep.coordinator.check;

/** A check that cannot start: the API answers with {@code status} (409 one is running, 503 no repository). */
public class CheckRejectedException extends RuntimeException {

    private final int status;
    private final String title;

    public CheckRejectedException(int status, String title, String detail) {
        super(detail);
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
