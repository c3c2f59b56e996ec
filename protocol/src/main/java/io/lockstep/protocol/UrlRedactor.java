package io.lockstep.protocol;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * The one way Lockstep shows a URL it was configured with: never its user info, query or fragment (which may hold a
 * password or token), and for URLs that carry a token in their path (webhooks, Slack), not even the path. Used by
 * the coordinator for plans' restore hooks (API answers, run.json, hook errors), by the search agent for its quiesce
 * hooks, by the agents for endpoints in failure reasons, and by the notifier for channel targets.
 */
public final class UrlRedactor {

    /** What an unparseable URL is shown as. */
    public static final String UNPARSEABLE = "(unparseable URL)";
    /** What replaces a password in a URL found in free text. */
    public static final String MASK = "****";

    private static final Pattern USERINFO_PASSWORD =
            Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://[^:/@\\s]+):([^@\\s]+)@");

    private UrlRedactor() {}

    /** {@code scheme://host[:port]/path}: without user info, query and fragment. For hooks' URLs. */
    public static String withoutSecrets(URI url) {
        return origin(url) + url.getPath();
    }

    /** {@link #withoutSecrets(URI)} of a URL given as text; {@value #UNPARSEABLE} if it is not one. */
    public static String withoutSecrets(String url) {
        try {
            return withoutSecrets(URI.create(url));
        } catch (IllegalArgumentException | NullPointerException e) {
            return UNPARSEABLE;
        }
    }

    /** {@code scheme://host[:port]}: only where it goes. For endpoints and URLs whose path may hold a token. */
    public static String origin(URI url) {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "");
    }

    /** Masks the password of every {@code scheme://user:password@} in a text: {@code scheme://user:****@}. */
    public static String maskPasswords(String text) {
        return text == null ? null : USERINFO_PASSWORD.matcher(text).replaceAll("$1:" + MASK + "@");
    }
}
