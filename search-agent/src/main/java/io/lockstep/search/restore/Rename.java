package io.lockstep.search.restore;

import io.lockstep.agent.core.command.StepFailure;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Maps a snapshot's index names to target names, as Elasticsearch's restore does with {@code rename_pattern} and
 * {@code rename_replacement}; without a pattern, identity (in place).
 */
public record Rename(String pattern, String replacement) {

    /** A rename from a command's parameters; a blank pattern is in place, a missing replacement is {@code $0}. */
    public static Rename of(String pattern, String replacement) throws StepFailure {
        if (pattern == null || pattern.isBlank()) {
            return new Rename(null, null);
        }
        try {
            Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            throw new StepFailure(
                    "the rename pattern " + pattern + " is not a regular expression: " + e.getDescription());
        }
        return new Rename(pattern, replacement == null ? "$0" : replacement);
    }

    public boolean inPlace() {
        return pattern == null;
    }

    public String apply(String index) {
        return inPlace() ? index : index.replaceAll(pattern, replacement);
    }
}
