package io.lockstep.search.backup;

import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.process.ChildProcess;
import io.lockstep.protocol.UrlRedactor;
import io.lockstep.search.config.SearchAgentConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Calls an application's pause and resume hooks: an HTTP POST or a command (run without a shell). */
@ApplicationScoped
public class Hooks {

    private final SearchAgentConfig config;
    private final HttpClient http = HttpClient.newHttpClient();

    @Inject
    public Hooks(SearchAgentConfig config) {
        this.config = config;
    }

    public void call(String what, Optional<URI> url, Optional<String> command) throws StepFailure {
        if (url.isPresent()) {
            post(what, url.get());
        }
        if (command.isPresent()) {
            run(what, command.get());
        }
    }

    private void post(String what, URI url) throws StepFailure {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(url)
                            .timeout(config.hookTimeout())
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new StepFailure(
                        what + " hook " + UrlRedactor.withoutSecrets(url) + " answered " + response.statusCode());
            }
        } catch (IOException e) {
            throw new StepFailure(what + " hook " + UrlRedactor.withoutSecrets(url) + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailure(what + " hook was interrupted");
        }
    }

    private void run(String what, String command) throws StepFailure {
        List<String> argv = Arrays.stream(command.trim().split("\\s+")).toList();
        try (ChildProcess process = ChildProcess.start(argv, Map.of(), List.of())) {
            // stdout is drained on the side: the timed wait below bounds the hook even if it keeps stdout open
            // (a hook that never exits, or one whose child inherited the pipe). On timeout the hook and its
            // descendants are killed, which closes the pipe and ends the drain.
            Thread drain = new Thread(
                    () -> {
                        try (var out = process.stdout()) {
                            out.transferTo(OutputStream.nullOutputStream());
                        } catch (IOException ignored) {
                            // the hook went away
                        }
                    },
                    "hook-stdout");
            drain.setDaemon(true);
            drain.start();
            int exit = process.waitFor(Math.max(1, config.hookTimeout().toMillis()), TimeUnit.MILLISECONDS);
            if (exit != 0) {
                throw new StepFailure(what + " hook failed: " + process.failureReason(exit));
            }
        } catch (IOException e) {
            throw new StepFailure(what + " hook failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailure(what + " hook was interrupted");
        }
    }
}
