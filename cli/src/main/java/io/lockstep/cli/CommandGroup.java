package io.lockstep.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** A command that only groups subcommands: run alone, it is a usage error that says which to name. */
abstract class CommandGroup implements Runnable {

    @Spec
    CommandSpec spec;

    private final String hint;

    CommandGroup(String hint) {
        this.hint = hint;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), hint);
    }
}
