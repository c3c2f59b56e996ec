package io.lockstep.notifier.routing;

import io.lockstep.notifier.config.NotifierConfig;
import io.lockstep.notifier.routing.ChannelSpec.ChannelType;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The validated channels and routes. Built once from configuration; a mistake there (an unknown channel or event
 * class, a webhook without a secret) stops the service at startup with a message that says what to fix, instead of
 * silently dropping notifications later.
 */
public final class Routing {

    private final Map<String, ChannelSpec> channels;
    private final List<Route> routes;

    public Routing(Map<String, ChannelSpec> channels, List<Route> routes) {
        this.channels = Map.copyOf(channels);
        this.routes = List.copyOf(routes);
        for (Route route : routes) {
            for (String channel : route.channels()) {
                if (!channels.containsKey(channel)) {
                    throw new InvalidRoutingException("route '" + route.name() + "' names the unknown channel '"
                            + channel + "'; configured channels: " + new TreeMap<>(channels).keySet());
                }
            }
        }
    }

    public static Routing from(NotifierConfig config) {
        Map<String, ChannelSpec> channels = new TreeMap<>();
        config.channels().forEach((name, c) -> channels.put(name, channel(name, c)));
        List<Route> routes = new ArrayList<>();
        new TreeMap<>(config.routes()).forEach((name, r) -> routes.add(route(name, r)));
        return new Routing(channels, routes);
    }

    /** The channels an event goes to, each once, in a stable order. */
    public List<ChannelSpec> channelsFor(String plan, EventClass eventClass) {
        Set<String> names = new LinkedHashSet<>();
        for (Route route : routes) {
            if (route.matches(plan, eventClass)) {
                names.addAll(route.channels());
            }
        }
        return names.stream().map(channels::get).toList();
    }

    public List<Route> routes() {
        return routes;
    }

    public Map<String, ChannelSpec> channels() {
        return channels;
    }

    private static ChannelSpec channel(String name, NotifierConfig.Channel c) {
        ChannelType type;
        try {
            type = ChannelType.valueOf(c.type().trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidRoutingException(
                    "channel '" + name + "' has the unknown type '" + c.type() + "'; use webhook, slack or email");
        }
        return switch (type) {
            case WEBHOOK -> new ChannelSpec(name, type, url(name, c), secret(name, c), List.of());
            case SLACK -> new ChannelSpec(name, type, url(name, c), null, List.of());
            case EMAIL -> {
                List<String> to = c.to().orElse(List.of()).stream()
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .toList();
                if (to.isEmpty() || to.stream().anyMatch(a -> !a.contains("@"))) {
                    throw new InvalidRoutingException("channel '" + name + "' (email) needs lockstep.notifier.channels."
                            + name + ".to with e-mail addresses");
                }
                yield new ChannelSpec(name, type, null, null, to);
            }
        };
    }

    private static URI url(String name, NotifierConfig.Channel c) {
        String text = c.url()
                .orElseThrow(() -> new InvalidRoutingException(
                        "channel '" + name + "' needs lockstep.notifier.channels." + name + ".url"));
        URI url;
        try {
            url = URI.create(text.trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidRoutingException("channel '" + name + "' has a malformed url");
        }
        if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
            throw new InvalidRoutingException("channel '" + name + "' needs an absolute http or https url");
        }
        return url;
    }

    private static Secret secret(String name, NotifierConfig.Channel c) {
        if (c.secretFile().isPresent()) {
            Path file = c.secretFile().get();
            try {
                String first = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                        .findFirst()
                        .orElse("")
                        .strip();
                if (first.isEmpty()) {
                    throw new InvalidRoutingException("channel '" + name + "': the secret file " + file + " is empty");
                }
                return Secret.of(first);
            } catch (IOException e) {
                throw new InvalidRoutingException("channel '" + name + "': cannot read the secret file " + file + " ("
                        + e.getClass().getSimpleName() + ")");
            }
        }
        String secret = c.secret()
                .filter(s -> !s.isBlank())
                .orElseThrow(() -> new InvalidRoutingException(
                        "channel '" + name + "' (webhook) needs a signing secret: lockstep.notifier.channels." + name
                                + ".secret-file, or the environment variable LOCKSTEP_NOTIFIER_CHANNELS_"
                                + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_SECRET"));
        return Secret.of(secret);
    }

    private static Route route(String name, NotifierConfig.Route r) {
        Set<EventClass> events = EnumSet.noneOf(EventClass.class);
        for (String e : r.events()) {
            if (e.trim().equals("*")) {
                events.addAll(EnumSet.allOf(EventClass.class));
                continue;
            }
            events.add(EventClass.named(e)
                    .orElseThrow(() -> new InvalidRoutingException("route '" + name
                            + "' names the unknown event class '" + e + "'; known: " + knownClasses())));
        }
        List<String> plans =
                r.plans().stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        List<String> channels = r.channels().stream()
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
        return new Route(name, plans, events, channels);
    }

    private static String knownClasses() {
        return Arrays.stream(EventClass.values()).map(EventClass::wireName).collect(Collectors.joining(", ")) + ", *";
    }

    /** Configuration that cannot work; the message names the key to fix. */
    public static final class InvalidRoutingException extends IllegalStateException {
        public InvalidRoutingException(String message) {
            super(message);
        }
    }
}
