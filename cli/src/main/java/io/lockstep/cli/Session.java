package io.lockstep.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;

/** One invocation's API client, output mode and stream, clock and polling interval. */
final class Session {

    final ApiClient api;
    final boolean json;
    final PrintWriter out;
    final Clock clock;
    final Duration pollInterval;

    Session(ApiClient api, boolean json, PrintWriter out, Clock clock, Duration pollInterval) {
        this.api = api;
        this.json = json;
        this.out = out;
        this.clock = clock;
        this.pollInterval = pollInterval;
    }

    /** Prints JSON as the API sent it, indented. */
    void printJson(JsonNode node) {
        try {
            out.println(ApiClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.flush();
    }

    /** Prints JSON on one line (a stream of updates). */
    void printJsonLine(JsonNode node) {
        out.println(node.toString());
        out.flush();
    }

    void println(String line) {
        out.println(line);
        out.flush();
    }

    void print(String text) {
        out.print(text);
        out.flush();
    }

    /** Waits one polling interval between two reads of a run. */
    void pause() {
        try {
            Thread.sleep(pollInterval.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.unreachable("lockstep: interrupted while following the run");
        }
    }
}
