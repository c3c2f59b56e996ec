package io.lockstep.systemtests.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Samples {@code /proc/<pid>/cmdline} of processes and all their descendants (pg_dump, pg_restore, hooks)
 * every few milliseconds while it runs, so short-lived children are seen too; of the descendants also
 * {@code /proc/<pid>/environ}, since a child's environment is where a password would go instead.
 */
public final class CommandLines implements AutoCloseable {

    private final List<Long> roots;
    private final Map<Long, String> seen = new ConcurrentHashMap<>();
    private final Map<Long, String> environments = new ConcurrentHashMap<>();
    private final Thread sampler;
    private volatile boolean running = true;

    public CommandLines(List<Long> rootPids) {
        this.roots = rootPids;
        sample();
        sampler = new Thread(
                () -> {
                    while (running) {
                        sample();
                        try {
                            Thread.sleep(10); // a sampling period, not a wait for an outcome
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "cmdline-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void sample() {
        for (long root : roots) {
            ProcessHandle.of(root).ifPresent(p -> {
                read(p.pid(), "cmdline", seen);
                p.descendants().forEach(d -> {
                    read(d.pid(), "cmdline", seen);
                    read(d.pid(), "environ", environments);
                });
            });
        }
    }

    private static void read(long pid, String file, Map<Long, String> into) {
        try {
            byte[] bytes = Files.readAllBytes(Path.of("/proc", Long.toString(pid), file));
            String line =
                    new String(bytes, StandardCharsets.UTF_8).replace('\0', ' ').trim();
            if (!line.isEmpty()) {
                into.merge(pid, line, (a, b) -> a.equals(b) ? a : a + " | " + b);
            }
        } catch (IOException gone) {
            // the process ended between listing and reading
        }
    }

    /** Command lines seen, by pid. */
    public Map<Long, String> seen() {
        return Map.copyOf(seen);
    }

    /** Environments of the descendants seen, by pid. */
    public Map<Long, String> environments() {
        return Map.copyOf(environments);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        sampler.join(5_000);
    }
}
