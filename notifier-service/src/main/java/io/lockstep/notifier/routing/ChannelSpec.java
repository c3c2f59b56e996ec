package io.lockstep.notifier.routing;

import io.lockstep.protocol.UrlRedactor;
import java.net.URI;
import java.util.List;

/**
 * One configured channel, validated. Its {@link #toString()} and {@link #target()} show where it delivers without
 * the parts that can carry credentials (a webhook's path and query, the secret).
 *
 * @param name the channel's name in configuration
 * @param type how it delivers
 * @param url for webhook and slack, the endpoint
 * @param secret for webhook, the signing secret
 * @param to for email, the recipients
 */
public record ChannelSpec(String name, ChannelType type, URI url, Secret secret, List<String> to) {

    public enum ChannelType {
        WEBHOOK,
        SLACK,
        EMAIL;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Where it delivers, safe to show: scheme, host and port of a URL, or the e-mail recipients. */
    public String target() {
        if (type == ChannelType.EMAIL) {
            return String.join(", ", to);
        }
        return redact(url);
    }

    /**
     * Scheme, host and port only ({@link UrlRedactor#origin(URI)}), the path marked as hidden: Slack and many
     * webhook URLs carry their token in the path or query.
     */
    public static String redact(URI url) {
        if (url == null) {
            return "";
        }
        return UrlRedactor.origin(url) + "/...";
    }

    /** The text with this channel's URL and secret replaced, for error messages that might echo them. */
    public String scrub(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        if (url != null) {
            out = out.replace(url.toString(), target());
            if (url.getRawPath() != null && url.getRawPath().length() > 1) {
                out = out.replace(url.getRawPath(), "/...");
            }
            if (url.getRawQuery() != null) {
                out = out.replace(url.getRawQuery(), "...");
            }
        }
        if (secret != null && secret.appearsIn(out)) {
            out = out.replace(secret.reveal(), "****");
        }
        return out;
    }

    @Override
    public String toString() {
        return "ChannelSpec[" + name + ", " + type.wireName() + " -> " + target() + "]";
    }
}
