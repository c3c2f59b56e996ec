package io.lockstep.agent.core.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A child process (pg_dump, pg_restore, a hook command) whose stdout is streamed by the caller and whose
 * stderr is kept, bounded to its last lines, for failure reasons. Secrets go through the environment or a
 * file, never the command line, and are redacted from everything this class reports.
 */
public final class ChildProcess implements AutoCloseable {

    private static final int STDERR_LIMIT = 16 * 1024;
    private static final Set<String> INHERITED = Set.of("PATH", "HOME", "LANG", "TZ", "TMPDIR", "USER", "LOGNAME");

    /** Told of every child process's end, once: its program's name and how it ended. */
    public interface ExitListener {
        void exited(String program, Outcome outcome);
    }

    /** How a child process ended: exit code 0, another exit code, or killed by the agent (a cancel, a timeout). */
    public enum Outcome {
        OK,
        ERROR,
        KILLED
    }

    private static final List<ExitListener> LISTENERS = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Registers a listener of every child process's end (the agent's metrics); for the life of the JVM. */
    public static void onExit(ExitListener listener) {
        LISTENERS.add(listener);
    }

    private final String name;
    private final Process process;
    private volatile boolean killed;
    private final Thread stderrPump;
    private final BoundedTail stderr = new BoundedTail(STDERR_LIMIT);
    private final Collection<String> secrets;

    private ChildProcess(String name, Process process, Collection<String> secrets) {
        this.name = name;
        this.process = process;
        this.secrets = secrets;
        this.stderrPump = new Thread(() -> pump(process.getErrorStream(), stderr), name + "-stderr");
        this.stderrPump.setDaemon(true);
        this.stderrPump.start();
        process.onExit().thenAccept(p -> {
            Outcome outcome = killed ? Outcome.KILLED : p.exitValue() == 0 ? Outcome.OK : Outcome.ERROR;
            LISTENERS.forEach(l -> l.exited(name, outcome));
        });
    }

    /**
     * Starts a command.
     *
     * @param command the program and its arguments; must hold no secret
     * @param environment environment variables for the child; of the agent's own it inherits only PATH, HOME,
     *        locale, TZ, TMPDIR and the user name
     * @param secrets values to redact from stderr and error messages
     */
    public static ChildProcess start(List<String> command, Map<String, String> environment, Collection<String> secrets)
            throws IOException {
        var builder = new ProcessBuilder(new ArrayList<>(command));
        // The agent's own environment may hold credentials: children inherit only what they need.
        builder.environment().keySet().removeIf(k -> !INHERITED.contains(k) && !k.startsWith("LC_"));
        builder.environment().putAll(environment);
        String name = command.isEmpty() ? "process" : command.get(0).replaceAll(".*/", "");
        try {
            return new ChildProcess(name, builder.start(), secrets);
        } catch (IOException e) {
            throw new IOException("cannot start " + name + ": " + Redactor.redact(e.getMessage(), secrets), e);
        }
    }

    public InputStream stdout() {
        return process.getInputStream();
    }

    public OutputStream stdin() {
        return process.getOutputStream();
    }

    /** Waits for the exit code; the stderr tail is complete once this returns. */
    public int waitFor(long timeout, TimeUnit unit) throws InterruptedException, IOException {
        if (!process.waitFor(timeout, unit)) {
            kill(); // with its descendants, which may hold its pipes open
            long seconds = unit.toSeconds(timeout);
            String within = seconds > 0 ? seconds + " s" : unit.toMillis(timeout) + " ms";
            throw new IOException(name + " did not finish within " + within + " and was killed");
        }
        stderrPump.join(TimeUnit.SECONDS.toMillis(5));
        return process.exitValue();
    }

    /** The last part of stderr, redacted, as one line per message. */
    public String stderrTail() {
        return Redactor.redact(stderr.text().strip(), secrets);
    }

    /**
     * A readable reason for a non-zero exit: the program's own last error lines, for example
     * {@code pg_dump: error: connection to server ... failed: FATAL: password authentication failed}.
     */
    public String failureReason(int exitCode) {
        String tail = stderrTail();
        return tail.isEmpty()
                ? name + " exited with code " + exitCode
                : name + " exited with code " + exitCode + ": " + tail;
    }

    public void kill() {
        killed = true;
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    private static void pump(InputStream in, BoundedTail sink) {
        byte[] buffer = new byte[4096];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                sink.write(buffer, 0, n);
            }
        } catch (IOException ignored) {
            // the process went away; what was read is kept
        }
    }

    /** Keeps the last {@code limit} bytes written. */
    private static final class BoundedTail {
        private final int limit;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private boolean truncated;

        BoundedTail(int limit) {
            this.limit = limit;
        }

        synchronized void write(byte[] bytes, int off, int len) {
            buffer.write(bytes, off, len);
            if (buffer.size() > 2 * limit) {
                byte[] all = buffer.toByteArray();
                buffer.reset();
                buffer.write(all, all.length - limit, limit);
                truncated = true;
            }
        }

        synchronized String text() {
            byte[] all = buffer.toByteArray();
            int from = Math.max(0, all.length - limit);
            String text = new String(all, from, all.length - from, StandardCharsets.UTF_8);
            return truncated || from > 0 ? "..." + text : text;
        }
    }
}
