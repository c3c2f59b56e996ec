package io.lockstep.agent.core.process;

import io.lockstep.protocol.UrlRedactor;
import java.util.Collection;
import java.util.regex.Pattern;

/**
 * Removes secrets from text that leaves the agent (step failure reasons, logs). Known secret values are
 * replaced wherever they appear, and common credential shapes (and URLs' passwords, through
 * {@link UrlRedactor}) are masked even when the value is unknown.
 */
public final class Redactor {

    public static final String MASK = UrlRedactor.MASK;

    private static final Pattern KEY_VALUE = Pattern.compile(
            "(?i)\\b(password|passwd|pwd|secret|token|secret_access_key|access_key_id|sslpassword)(\\s*[=:]\\s*)([^\\s&;,'\"]+)");

    private Redactor() {}

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
        return UrlRedactor.maskPasswords(out);
    }
}
