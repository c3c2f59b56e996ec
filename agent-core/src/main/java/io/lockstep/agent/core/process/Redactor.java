package io.lockstep.agent.core.process;

import java.util.Collection;
import java.util.regex.Pattern;

/**
 * Removes secrets from text that leaves the agent (step failure reasons, logs). Known secret values are
 * replaced wherever they appear, and common credential shapes are masked even when the value is unknown.
 */
public final class Redactor {

    public static final String MASK = "****";

    private static final Pattern KEY_VALUE = Pattern.compile(
            "(?i)\\b(password|passwd|pwd|secret|token|secret_access_key|access_key_id|sslpassword)(\\s*[=:]\\s*)([^\\s&;,'\"]+)");
    private static final Pattern URL_USERINFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://[^:/@\\s]+):([^@\\s]+)@");

    private Redactor() {
    }

    public static String redact(String text, Collection<String> secrets) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String secret : secrets) {
            if (secret != null && !secret.isEmpty()) {
                out = out.replace(secret, MASK);
            }
        }
        out = KEY_VALUE.matcher(out).replaceAll("$1$2" + MASK);
        out = URL_USERINFO.matcher(out).replaceAll("$1:" + MASK + "@");
        return out;
    }
}
