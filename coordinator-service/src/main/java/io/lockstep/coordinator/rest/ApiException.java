package io.lockstep.coordinator.rest;

import java.util.Map;

/** An error the API reports as a problem detail with the given status. */
public class ApiException extends RuntimeException {

    private final int status;
    private final String title;
    private final Map<String, Object> extensions;

    public ApiException(int status, String title, String detail) {
        this(status, title, detail, Map.of());
    }

    public ApiException(int status, String title, String detail, Map<String, Object> extensions) {
        super(detail);
        this.status = status;
        this.title = title;
        this.extensions = extensions;
    }

    public static ApiException notFound(String what) {
        return new ApiException(404, "Not found", what);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public Map<String, Object> extensions() {
        return extensions;
    }
}
