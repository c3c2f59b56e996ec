package io.lockstep.protocol;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The check every plan's cross-store reference query passes, on the coordinator when the plan is stored and again on
 * the postgres-agent before it runs: exactly one statement, a {@code SELECT} (or {@code WITH ... SELECT}) that modifies
 * nothing.
 *
 * <p>It is a conservative tokenizer of PostgreSQL's lexical rules, not a parser: it skips string constants
 * ({@code '...'}, {@code E'...'} with backslash escapes, dollar quotes {@code $tag$...$tag$}), quoted identifiers and
 * comments ({@code --} and nested {@code /* *}{@code /}), and refuses any {@code ;} outside them, any unterminated
 * quote or comment, a first word other than {@code SELECT} or {@code WITH}, and the words {@code INSERT},
 * {@code UPDATE}, {@code DELETE} and {@code MERGE} anywhere outside quotes (a data-modifying {@code WITH}, or
 * {@code FOR UPDATE}). Where it could misjudge, it errs towards refusing: an ordinary string ends at its first
 * unpaired quote even if the server would read a backslash as an escape, so a separator is never hidden from it.
 * A column called {@code update} must be written {@code "update"}.
 *
 * <p>This is the first guard only: the agent also runs the query in a read-only transaction with a statement timeout
 * (see the postgres-agent's {@code ReadOnlySession}).
 */
public final class ReferenceQuery {

    private static final Set<String> WRITES = Set.of("INSERT", "UPDATE", "DELETE", "MERGE");

    private ReferenceQuery() {}

    /** Why {@code query} is refused, starting with "reference query ..."; empty when it is acceptable. */
    public static Optional<String> problem(String query) {
        if (query == null || query.isBlank()) {
            return Optional.of("reference query is empty");
        }
        return new Scan(query).run();
    }

    /** Throws {@link IllegalArgumentException} with {@link #problem(String)} when {@code query} is refused. */
    public static void check(String query) {
        problem(query).ifPresent(p -> {
            throw new IllegalArgumentException(p);
        });
    }

    private static final class Scan {
        private final String sql;
        private int i;
        private String firstWord;

        Scan(String sql) {
            this.sql = sql;
        }

        Optional<String> run() {
            int n = sql.length();
            while (i < n) {
                char c = sql.charAt(i);
                int start = i;
                boolean comment = (c == '-' && next() == '-') || (c == '/' && next() == '*');
                if (firstWord == null
                        && c != ';'
                        && !comment
                        && !isIdentifierStart(c)
                        && !Character.isWhitespace(c)
                        && c != '(') {
                    return notSelect(String.valueOf(c), start);
                }
                if (c == ';') {
                    return Optional.of("reference query must be a single SELECT statement: found ';' at position "
                            + (i + 1) + " (remove it, also at the end)");
                } else if (c == '-' && next() == '-') {
                    skipLineComment();
                } else if (c == '/' && next() == '*') {
                    if (!skipBlockComment()) {
                        return unterminated("comment", start);
                    }
                } else if (c == '\'') {
                    if (!skipQuoted('\'', isEscapeString(start))) {
                        return unterminated("string constant", start);
                    }
                } else if (c == '"') {
                    if (!skipQuoted('"', false)) {
                        return unterminated("quoted identifier", start);
                    }
                } else if (c == '$' && dollarTagEnd(start) > 0) {
                    if (!skipDollarQuoted(sql.substring(start, dollarTagEnd(start)))) {
                        return unterminated("dollar-quoted string", start);
                    }
                } else if (isIdentifierStart(c)) {
                    while (i < n && isIdentifierPart(sql.charAt(i))) {
                        i++;
                    }
                    String word = sql.substring(start, i).toUpperCase(Locale.ROOT);
                    Optional<String> refused = word(word, start);
                    if (refused.isPresent()) {
                        return refused;
                    }
                } else {
                    i++;
                }
            }
            if (firstWord == null) {
                return Optional.of("reference query is empty: it holds only comments");
            }
            return Optional.empty();
        }

        private Optional<String> word(String word, int start) {
            if (firstWord == null) {
                firstWord = word;
                if (!word.equals("SELECT") && !word.equals("WITH")) {
                    return notSelect(word, start);
                }
            }
            if (WRITES.contains(word)) {
                return Optional.of("reference query must be a read-only SELECT: found " + word + " at position "
                        + (start + 1) + " (quote a column of that name: \"" + word.toLowerCase(Locale.ROOT) + "\")");
            }
            return Optional.empty();
        }

        private static Optional<String> notSelect(String found, int start) {
            return Optional.of("reference query must be a single SELECT statement: it starts with '" + found
                    + "' at position " + (start + 1) + ", not SELECT or WITH");
        }

        private static Optional<String> unterminated(String what, int start) {
            return Optional.of("reference query has an unterminated " + what + " starting at position " + (start + 1));
        }

        private char next() {
            return i + 1 < sql.length() ? sql.charAt(i + 1) : '\0';
        }

        private void skipLineComment() {
            while (i < sql.length() && sql.charAt(i) != '\n' && sql.charAt(i) != '\r') {
                i++;
            }
        }

        /** PostgreSQL's block comments nest. */
        private boolean skipBlockComment() {
            int depth = 0;
            while (i < sql.length()) {
                if (sql.startsWith("/*", i)) {
                    depth++;
                    i += 2;
                } else if (sql.startsWith("*/", i)) {
                    depth--;
                    i += 2;
                    if (depth == 0) {
                        return true;
                    }
                } else {
                    i++;
                }
            }
            return false;
        }

        /** {@code E'...'} (or {@code e'...'}) not preceded by an identifier character: backslashes escape. */
        private boolean isEscapeString(int quote) {
            if (quote == 0) {
                return false;
            }
            char e = sql.charAt(quote - 1);
            return (e == 'E' || e == 'e') && (quote < 2 || !isIdentifierPart(sql.charAt(quote - 2)));
        }

        /**
         * Skips a quoted run starting at the opening {@code quote} (a string {@code '} or an identifier {@code "}):
         * a doubled quote stands for itself, and in an escape string a backslash escapes the next character.
         *
         * @return false if the run is not closed
         */
        private boolean skipQuoted(char quote, boolean backslashEscapes) {
            i++;
            while (i < sql.length()) {
                char c = sql.charAt(i);
                if (backslashEscapes && c == '\\') {
                    i += 2;
                } else if (c == quote) {
                    if (next() == quote) {
                        i += 2;
                    } else {
                        i++;
                        return true;
                    }
                } else {
                    i++;
                }
            }
            return false;
        }

        /**
         * The index after a dollar-quote tag ({@code $$} or {@code $tag$}) starting at {@code start}, or -1. A
         * {@code $} inside an identifier ({@code a$b$}) or before digits ({@code $1}) starts none.
         */
        private int dollarTagEnd(int start) {
            if (start > 0 && isIdentifierPart(sql.charAt(start - 1))) {
                return -1;
            }
            int j = start + 1;
            if (j < sql.length() && sql.charAt(j) == '$') {
                return j + 1;
            }
            if (j >= sql.length() || !isIdentifierStart(sql.charAt(j))) {
                return -1;
            }
            while (j < sql.length() && isIdentifierPart(sql.charAt(j)) && sql.charAt(j) != '$') {
                j++;
            }
            return j < sql.length() && sql.charAt(j) == '$' ? j + 1 : -1;
        }

        private boolean skipDollarQuoted(String tag) {
            int end = sql.indexOf(tag, i + tag.length());
            if (end < 0) {
                return false;
            }
            i = end + tag.length();
            return true;
        }

        private static boolean isIdentifierStart(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
        }

        private static boolean isIdentifierPart(char c) {
            return isIdentifierStart(c) || (c >= '0' && c <= '9') || c == '$';
        }
    }
}
