package io.lockstep.systemtests.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * One packaged Lockstep service (quarkus-run.jar) running as a real child process. Its configuration goes
 * into {@code config/application.properties} in its own working directory (mode 0600), so no secret is on
 * its command line.
 */
public final class ServiceProcess {

    private final String name;
    private final int port;
    private final Process process;
    private final Path log;
    private final Path jar;
    private final Path workDir;
    private final Map<String, String> config;

    private ServiceProcess(
            String name, int port, Process process, Path log, Path jar, Path workDir, Map<String, String> config) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
        this.jar = jar;
        this.workDir = workDir;
        this.config = Map.copyOf(config);
    }

    public static ServiceProcess start(String name, Path jar, Path workDir, int port, Map<String, String> config)
            throws IOException {
        Path configDir = workDir.resolve("config");
        Files.createDirectories(configDir);
        Path file = configDir.resolve("application.properties");
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        StringBuilder props = new StringBuilder();
        config.forEach((k, v) ->
                props.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        props.append("quarkus.http.port=").append(port).append('\n');
        Files.writeString(file, props);
        Path log = workDir.resolve(name + ".log");
        List<String> command = new ArrayList<>(List.of(javaBin(), "-Xmx256m", "-jar", jar.toString()));
        // Appended, so a restarted service (fault tests) keeps the log of its previous life.
        Process process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        ServiceProcess service = new ServiceProcess(name, port, process, log, jar, workDir, config);
        Runtime.getRuntime().addShutdownHook(new Thread(service::stop));
        service.awaitReady();
        return service;
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newHttpClient();
        Awaitility.await(name + " ready")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(300))
                .ignoreExceptions()
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(name + " exited; see " + log + ":\n" + tail());
                    }
                    return http.send(
                                            HttpRequest.newBuilder(
                                                            URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                                                    .build(),
                                            HttpResponse.BodyHandlers.discarding())
                                    .statusCode()
                            == 200;
                });
    }

    /**
     * Fault injection: SIGKILL to the service and every process it started (pg_dump...), as {@code kill -9} of the
     * process group would; returns once the service is gone.
     */
    public void kill() {
        ProcessHandle handle = process.toHandle();
        List<ProcessHandle> children = handle.descendants().toList();
        handle.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The same service started again: same jar, working directory, port and configuration (plus {@code overrides}). */
    public ServiceProcess restart(Map<String, String> overrides) throws IOException {
        stop();
        Map<String, String> next = new java.util.LinkedHashMap<>(config);
        next.putAll(overrides);
        return start(name, jar, workDir, port, next);
    }

    /**
     * A second instance of the same service (same jar and configuration) in {@code otherWorkDir}, on {@code otherPort}:
     * for two coordinators sharing one catalog and consumer group.
     */
    public ServiceProcess twin(Path otherWorkDir, int otherPort) throws IOException {
        return start(name, jar, Files.createDirectories(otherWorkDir), otherPort, config);
    }

    public boolean alive() {
        return process.isAlive();
    }

    public int port() {
        return port;
    }

    /** How many times the service's log (all its lives) contains {@code text}. */
    public int occurrences(String text) {
        try {
            String all = new String(Files.readAllBytes(log), java.nio.charset.StandardCharsets.UTF_8);
            int count = 0;
            for (int i = all.indexOf(text); i >= 0; i = all.indexOf(text, i + text.length())) {
                count++;
            }
            return count;
        } catch (IOException e) {
            return 0;
        }
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    public void stop() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(Duration.ofSeconds(20).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
