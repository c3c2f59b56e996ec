package io.lockstep.cli;

import picocli.CommandLine;

/** {@code lockstep}: the operators' command line for a Lockstep coordinator. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, Environment.system()));
    }

    /** Runs one command and returns its exit code ({@link ExitCodes}). */
    public static int run(String[] args, Environment environment) {
        CommandLine cli = commandLine(environment);
        int code = cli.execute(args);
        environment.out().flush();
        environment.err().flush();
        return code;
    }

    static CommandLine commandLine(Environment environment) {
        CommandLine cli = new CommandLine(new LockstepCommand(environment));
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setOut(environment.out());
        cli.setErr(environment.err());
        cli.setParameterExceptionHandler((e, args) -> {
            environment.err().println("lockstep: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, environment.err());
            environment
                    .err()
                    .println("See '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CliException failure) {
                environment.err().println(failure.getMessage());
                return failure.exitCode();
            }
            if (e instanceof CommandLine.ParameterException usage) {
                environment.err().println("lockstep: " + usage.getMessage());
                environment
                        .err()
                        .println("See '"
                                + usage.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
                return ExitCodes.USAGE;
            }
            environment.err().println("lockstep: unexpected error: " + e);
            return ExitCodes.INTERNAL;
        });
        return cli;
    }
}
