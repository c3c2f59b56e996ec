package io.lockstep.notifier.routing;

import java.util.List;
import java.util.Set;

/**
 * One routing rule: events of these classes, for these plans, go to these channels.
 *
 * @param name the route's name in configuration
 * @param plans plan names; {@code *} matches all, a trailing {@code *} matches a prefix
 * @param events the event classes it selects
 * @param channels the channel names it delivers to
 */
public record Route(String name, List<String> plans, Set<EventClass> events, List<String> channels) {

    public Route {
        plans = List.copyOf(plans);
        events = Set.copyOf(events);
        channels = List.copyOf(channels);
    }

    public boolean matches(String plan, EventClass eventClass) {
        return events.contains(eventClass) && plans.stream().anyMatch(p -> planMatches(p, plan));
    }

    static boolean planMatches(String pattern, String plan) {
        if (pattern.equals("*")) {
            return true;
        }
        if (plan == null) {
            return false;
        }
        if (pattern.endsWith("*")) {
            return plan.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return pattern.equals(plan);
    }
}
