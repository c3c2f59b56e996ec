package io.lockstep.protocol;

/** Kafka topic names. These are part of the public contract: other services subscribe to them. */
public final class Topics {

    /** Commands to postgres-agents, keyed by store id. */
    public static final String COMMANDS_POSTGRES = "lockstep.commands.postgres";
    /** Commands to objectstore-agents, keyed by store id. */
    public static final String COMMANDS_OBJECTSTORE = "lockstep.commands.objectstore";
    /** Commands to search-agents, keyed by store id. */
    public static final String COMMANDS_SEARCH = "lockstep.commands.search";
    /** Heartbeats and step events from every agent. Step events are keyed by run id. */
    public static final String AGENT_EVENTS = "lockstep.agent-events";
    /** The public run lifecycle, keyed by run id. */
    public static final String RUN_EVENTS = "lockstep.run-events";
    /** Where a consumer puts a record it cannot parse, instead of crashing on it. */
    public static final String DEAD_LETTER_SUFFIX = ".dlq";

    private Topics() {}

    /** The command topic that agents of the given store kind consume. */
    public static String commandsFor(StoreKind kind) {
        return switch (kind) {
            case POSTGRES -> COMMANDS_POSTGRES;
            case OBJECTSTORE -> COMMANDS_OBJECTSTORE;
            case SEARCH -> COMMANDS_SEARCH;
        };
    }

    public static String deadLetter(String topic) {
        return topic + DEAD_LETTER_SUFFIX;
    }
}
