package io.lockstep.notifier.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The notifier's settings. Channels and routes live here and nowhere else: configuration is the source of truth,
 * {@code GET /api/v1/routes} only shows it.
 */
@ConfigMapping(prefix = "lockstep.notifier")
public interface NotifierConfig {

    /** Where notifications can go, by channel name. */
    Map<String, Channel> channels();

    /** Which events of which plans go to which channels, by route name. An event matched by several routes is
     * delivered once per channel. */
    Map<String, Route> routes();

    Delivery delivery();

    /** How many recent deliveries {@code GET /api/v1/deliveries} keeps (in memory only). */
    @WithDefault("500")
    int historySize();

    /** How many recent event ids are remembered, so a redelivered event does not notify twice. */
    @WithDefault("10000")
    int seenEvents();

    interface Channel {

        /** {@code webhook}, {@code slack} or {@code email}. */
        String type();

        /** For webhook and slack: the endpoint. A Slack URL is itself a credential and is never shown or logged. */
        Optional<String> url();

        /** For webhook: the HMAC-SHA256 signing secret. Prefer {@link #secretFile()} or the environment. */
        Optional<String> secret();

        /** For webhook: a file whose first line is the signing secret. */
        Optional<Path> secretFile();

        /** For email: the recipients. */
        Optional<List<String>> to();
    }

    interface Route {

        /** Plan names; {@code *} for all, {@code shop-*} for a prefix. */
        @WithDefault("*")
        List<String> plans();

        /**
         * Event classes: started, consistent, failed, verified, drill, drill-failed, restore, expired, skipped,
         * stale, or {@code *} for all.
         */
        List<String> events();

        /** Channel names. */
        List<String> channels();
    }

    interface Delivery {

        /** Attempts per delivery, the first included, before it goes to the dead-letter topic. */
        @WithDefault("6")
        int maxAttempts();

        /** The wait before the first retry; it doubles after each failed attempt. */
        @WithDefault("2s")
        Duration backoff();

        /** The longest wait between two attempts. */
        @WithDefault("5m")
        Duration maxBackoff();

        /** Connect and response timeout of one HTTP attempt. */
        @WithDefault("10s")
        Duration timeout();

        /** Deliveries a channel may hold waiting; beyond it new ones go straight to the dead-letter topic. */
        @WithDefault("1000")
        int queueCapacity();
    }
}
