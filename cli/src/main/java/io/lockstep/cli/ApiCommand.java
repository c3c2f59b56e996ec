package io.lockstep.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that calls the API: gets the invocation's session and returns an exit code. */
abstract class ApiCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        return run(((LockstepCommand) spec.root().userObject()).session());
    }

    abstract int run(Session session);
}
