package io.lockstep.protocol;

import java.util.regex.Pattern;

/**
 * Kafka topic names. These are part of the public contract: other services subscribe to them.
 *
 * <p>Every name takes the installation's topic prefix ({@value #PREFIX_PROPERTY}, empty by default, so a deployment
 * that sets none keeps the names below): two installations on one broker with different prefixes never read each
 * other's commands or events. The constants are the unprefixed names; {@link #withPrefix(String)} gives an
 * installation's.
 */
public final class Topics {

    /** The configuration property every service reads its topic prefix from. */
    public static final String PREFIX_PROPERTY = "lockstep.topic-prefix";

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

    /** What Kafka allows in a topic name; a prefix must keep the names legal. */
    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]*");

    private static final int MAX_PREFIX = 200;

    private static final Topics UNPREFIXED = new Topics("");

    private final String prefix;

    private Topics(String prefix) {
        this.prefix = prefix;
    }

    /**
     * The topic names of an installation whose prefix is {@code prefix} (null or empty: the unprefixed names).
     *
     * @throws IllegalArgumentException when the prefix has a character Kafka does not allow in a topic name
     */
    public static Topics withPrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return UNPREFIXED;
        }
        if (!LEGAL.matcher(prefix).matches() || prefix.length() > MAX_PREFIX) {
            throw new IllegalArgumentException(PREFIX_PROPERTY + " may only contain letters, digits, '.', '_' and '-'"
                    + " (at most " + MAX_PREFIX + " characters), so that topic names stay legal");
        }
        return new Topics(prefix);
    }

    public String prefix() {
        return prefix;
    }

    /** This installation's name of one of the topics above. */
    public String name(String topic) {
        return prefix + topic;
    }

    public String agentEvents() {
        return name(AGENT_EVENTS);
    }

    public String runEvents() {
        return name(RUN_EVENTS);
    }

    /** This installation's command topic for agents of the given store kind. */
    public String commands(StoreKind kind) {
        return name(commandsFor(kind));
    }

    /** The (unprefixed) command topic that agents of the given store kind consume. */
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

    @Override
    public String toString() {
        return "Topics[prefix=" + prefix + "]";
    }
}
