package io.lockstep.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs the CLI in this JVM with a given environment and home, and captures its exit code and output. */
final class Cli {

    static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private final Map<String, String> env = new HashMap<>();
    private final Path home;

    Cli(Path home) {
        this.home = home;
    }

    Cli env(String name, String value) {
        env.put(name, value);
        return this;
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--poll-interval-ms=0");
        int code = Main.run(
                all.toArray(String[]::new),
                new Environment(
                        Map.copyOf(env),
                        home,
                        new PrintWriter(out, true),
                        new PrintWriter(err, true),
                        Clock.fixed(NOW, ZoneOffset.UTC)));
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs without the hidden polling option (for parsing tests that check exact arguments). */
    Result runExactly(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(
                args,
                new Environment(
                        Map.copyOf(env),
                        home,
                        new PrintWriter(out, true),
                        new PrintWriter(err, true),
                        Clock.fixed(NOW, ZoneOffset.UTC)));
        return new Result(code, out.toString(), err.toString());
    }
}
