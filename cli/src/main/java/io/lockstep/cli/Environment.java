package io.lockstep.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * What a CLI invocation sees of the world: the environment variables, the home directory, its two output streams
 * and a clock. Tests pass their own.
 */
public record Environment(Map<String, String> env, Path home, PrintWriter out, PrintWriter err, Clock clock) {

    public static Environment system() {
        return new Environment(
                System.getenv(),
                Path.of(System.getProperty("user.home")),
                new PrintWriter(System.out, true),
                new PrintWriter(System.err, true),
                Clock.systemUTC());
    }
}
