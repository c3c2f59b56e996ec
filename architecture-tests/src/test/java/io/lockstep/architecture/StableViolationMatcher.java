package io.lockstep.architecture;

import com.tngtech.archunit.library.freeze.ViolationLineMatcher;
import java.util.regex.Pattern;

/**
 * Matches a frozen violation with a current one (set as {@code freeze.lineMatcher} in {@code archunit.properties}),
 * ignoring what reformatting or unrelated edits change: line numbers, the numbering of synthetic lambda methods and,
 * for a package cycle, the sample of dependencies ArchUnit prints under it. A cycle is the same cycle when it goes
 * through the same slices in the same order; any other violation is the same when its text is, line numbers aside.
 */
public final class StableViolationMatcher implements ViolationLineMatcher {

    private static final Pattern LINE_NUMBER = Pattern.compile("\\.java:\\d+\\)");
    private static final Pattern LAMBDA = Pattern.compile("lambda\\$(\\w+)\\$\\d+");
    private static final Pattern CYCLE_DETAILS = Pattern.compile("(?s)\\s*1\\. Dependencies of .*");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    @Override
    public boolean matches(String stored, String actual) {
        return normalize(stored).equals(normalize(actual));
    }

    static String normalize(String violation) {
        String text = violation.replace("\\\n", "\n");
        if (text.startsWith("Cycle detected:")) {
            text = CYCLE_DETAILS.matcher(text).replaceFirst("");
        }
        text = LINE_NUMBER.matcher(text).replaceAll(".java)");
        text = LAMBDA.matcher(text).replaceAll("lambda\\$$1");
        return WHITESPACE.matcher(text).replaceAll(" ").trim();
    }
}
