package io.lockstep.protocol;

import java.util.Optional;

/**
 * The CloudEvents {@code source} of an agent's events, {@code /agents/<agent id>}: how the coordinator tells which
 * agent sent an event, and so whether it may speak for the step or store it is about.
 */
public final class AgentSources {

    private static final String PREFIX = "/agents/";

    private AgentSources() {}

    /** The source an agent with this id stamps on its events. */
    public static String of(String agentId) {
        return PREFIX + agentId;
    }

    /** The agent id an event's source names, or empty when the source is not an agent's. */
    public static Optional<String> agentOf(String source) {
        if (source == null || !source.startsWith(PREFIX) || source.length() == PREFIX.length()) {
            return Optional.empty();
        }
        return Optional.of(source.substring(PREFIX.length()));
    }
}
