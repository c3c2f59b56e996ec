package io.lockstep.cli;

/** A failure the CLI reports in one line on stderr and turns into its exit code. */
public class CliException extends RuntimeException {

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    /** The command line or the configuration is wrong (exit 2). */
    public static CliException usage(String message) {
        return new CliException(ExitCodes.USAGE, message);
    }

    /** The coordinator cannot be reached (exit 4). */
    public static CliException unreachable(String message) {
        return new CliException(ExitCodes.UNREACHABLE, message);
    }

    /** The coordinator refused the call (exit 3), with its problem detail. */
    public static final class Refused extends CliException {

        private final ApiProblem problem;

        public Refused(ApiProblem problem) {
            super(ExitCodes.REFUSED, problem.oneLine());
            this.problem = problem;
        }

        public ApiProblem problem() {
            return problem;
        }
    }
}
