package io.lockstep.repository;

/** Callbacks of a streaming upload. */
public interface UploadHooks {

    UploadHooks NONE = new UploadHooks() {};

    /** Called after each part with the total bytes read so far. */
    default void progress(long bytesSoFar) {}

    /**
     * Called after the source hit end-of-stream and before the upload is completed. Throw to refuse the
     * artifact (for example because the producing process exited non-zero): the upload is then aborted and
     * never becomes visible.
     */
    default void beforeComplete() throws Exception {}
}
