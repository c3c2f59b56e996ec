package io.lockstep.cli;

/** The exit codes scripts can rely on; README "CLI" lists them too. */
public final class ExitCodes {

    /** Done: the call succeeded, and a followed run ended CONSISTENT or SUCCEEDED. */
    public static final int OK = 0;
    /** A run followed with {@code --wait} or {@code runs watch} ended FAILED or CANCELLED. */
    public static final int RUN_FAILED = 1;
    /** The command line or the configuration is wrong; nothing was sent. */
    public static final int USAGE = 2;
    /** The coordinator answered with an error (a problem detail): refused, unknown, conflict, or its own failure. */
    public static final int REFUSED = 3;
    /** The coordinator could not be reached (connection refused, timeout, unknown host). */
    public static final int UNREACHABLE = 4;
    /** The CLI itself failed on something it did not expect (a bug, or an answer it cannot read). */
    public static final int INTERNAL = 5;

    private ExitCodes() {}
}
