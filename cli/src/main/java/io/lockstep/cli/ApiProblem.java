package io.lockstep.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An error answer of the coordinator: its RFC 9457 problem detail (status, title, detail and extensions such as
 * {@code runId}), or what could be read of a body that is not one.
 */
public record ApiProblem(int status, String title, String detail, Map<String, String> extensions) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> STANDARD = Set.of("type", "title", "status", "detail", "instance");

    /** Reads an error response; a body that is not a problem detail still gives its status and first line. */
    public static ApiProblem of(int status, String body) {
        Map<String, String> extensions = new LinkedHashMap<>();
        try {
            JsonNode node = body == null || body.isBlank() ? null : JSON.readTree(body);
            if (node != null && node.isObject()) {
                node.fields().forEachRemaining(f -> {
                    if (!STANDARD.contains(f.getKey())) {
                        extensions.put(
                                f.getKey(),
                                f.getValue().isTextual()
                                        ? f.getValue().asText()
                                        : f.getValue().toString());
                    }
                });
                return new ApiProblem(status, text(node, "title"), text(node, "detail"), Map.copyOf(extensions));
            }
        } catch (IOException notJson) {
            // a proxy's HTML page, say: keep its first line below
        }
        String first = body == null ? "" : body.strip().lines().findFirst().orElse("");
        if (first.length() > 200) {
            first = first.substring(0, 200) + "...";
        }
        return new ApiProblem(status, null, first.isEmpty() ? null : first, Map.of());
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    /** One line: status, title, detail, extensions and what to do. */
    public String oneLine() {
        StringBuilder line = new StringBuilder("lockstep: refused: ").append(status);
        if (title != null && !title.isBlank()) {
            line.append(' ').append(title);
        }
        if (detail != null && !detail.isBlank()) {
            line.append(": ").append(detail);
        }
        extensions.forEach(
                (k, v) -> line.append(" [").append(k).append('=').append(v).append(']'));
        line.append(". What to do: ").append(hint());
        return line.toString().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }

    /** What an operator does about this status. */
    String hint() {
        String runId = extensions.get("runId");
        return switch (status) {
            case 400 -> "correct the request as the detail says";
            case 401 -> "give a valid API token through LOCKSTEP_TOKEN, --token-file or token= in the config file";
            case 403 -> "use a token whose role allows this (viewer < operator < admin), or ask an admin to do it";
            case 404 -> "check the name or id: 'lockstep plans list' and 'lockstep runs list' show what exists";
            case 409 ->
                runId != null
                        ? "see why in 'lockstep runs show " + runId + "', fix it and retry"
                        : "the current state does not allow this yet; check 'lockstep status' and retry when it does";
            case 422 -> "fix the plan: every store it names must be one that 'lockstep status' lists";
            default ->
                status >= 500
                        ? "the coordinator failed; its log has the details"
                                + (extensions.containsKey("errorId")
                                        ? " under errorId " + extensions.get("errorId")
                                        : "")
                        : "correct the request and retry";
        };
    }
}
