package io.lockstep.coordinator.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.protocol.StepCommand.Parameters;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where a restore writes each store: a drill's scratch targets, or the operator's targets checked (a database name,
 * a bucket and prefix, an index rename that gives new, valid index names). An invalid target is refused with 400.
 */
final class RestoreTargets {

    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$-]{0,62}");
    private static final Pattern INDEX_NAME = Pattern.compile("[a-z0-9][a-z0-9_.+-]{0,254}");

    private RestoreTargets() {}

    /** Scratch targets of a drill: a temporary database, a scratch prefix, renamed indices. */
    static Map<String, String> scratch(StepEntity c, String tag) {
        return switch (c.storeKind) {
            case POSTGRES -> Map.of(Parameters.TARGET_DATABASE, shorten(c.database, 40) + "_lsdrill_" + tag);
            case OBJECTSTORE -> Map.of(Parameters.TARGET_PREFIX, ".lockstep-drill/" + tag + "/");
            case SEARCH ->
                Map.of(Parameters.RENAME_PATTERN, "(.+)", Parameters.RENAME_REPLACEMENT, "lsdrill-" + tag + "-$1");
        };
    }

    /** The operator's target for a store, checked; empty in place. */
    static Map<String, String> target(StepEntity c, JsonNode target) {
        if (target == null || target.isNull()) {
            return Map.of();
        }
        if (!target.isObject()) {
            throw invalid("the target of store " + c.store + " must be an object");
        }
        Map<String, String> p = new HashMap<>();
        switch (c.storeKind) {
            case POSTGRES -> {
                allowOnly(c, target, "databases");
                JsonNode databases = target.path("databases");
                if (!databases.isObject()) {
                    throw invalid("the target of PostgreSQL store " + c.store
                            + " must be {\"databases\": {\"<database>\": \"<new name>\"}}");
                }
                for (Iterator<String> it = databases.fieldNames(); it.hasNext(); ) {
                    String from = it.next();
                    if (!databases.path(from).isTextual()) {
                        throw invalid("the new name of database " + from + " must be a string");
                    }
                }
                JsonNode name = databases.path(c.database);
                if (name.isTextual()) {
                    String newName = name.asText();
                    if (!DATABASE_NAME.matcher(newName).matches()) {
                        throw invalid("'" + newName + "' is not a usable database name (letters, digits, _ $ -; "
                                + "at most 63 characters, not starting with a digit)");
                    }
                    if (!newName.equals(c.database)) {
                        p.put(Parameters.TARGET_DATABASE, newName);
                    }
                }
            }
            case OBJECTSTORE -> {
                allowOnly(c, target, "bucket", "prefix");
                if (target.has("bucket")) {
                    String bucket = target.path("bucket").asText("");
                    if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                        throw invalid("'" + bucket + "' is not a valid bucket name");
                    }
                    p.put(Parameters.TARGET_BUCKET, bucket);
                }
                if (target.has("prefix")) {
                    String prefix = target.path("prefix").asText("");
                    if (prefix.isEmpty() || prefix.startsWith("/")) {
                        throw invalid("the target prefix of store " + c.store + " must be non-empty and relative");
                    }
                    p.put(Parameters.TARGET_PREFIX, prefix.endsWith("/") ? prefix : prefix + "/");
                }
            }
            case SEARCH -> {
                allowOnly(c, target, "renamePattern", "renameReplacement");
                String pattern = target.path("renamePattern").asText("");
                String replacement = target.path("renameReplacement").asText("");
                if (pattern.isEmpty() || replacement.isEmpty()) {
                    throw invalid("the target of search store " + c.store
                            + " needs renamePattern and renameReplacement, e.g. \"(.+)\" and \"restored-$1\"");
                }
                try {
                    Pattern compiled = Pattern.compile(pattern);
                    // The replacement is applied to a sample too, so a bad group reference ("x-$") is refused even
                    // when the run recorded no index names.
                    compiled.matcher("lockstep-sample").replaceAll(replacement);
                    for (String index : c.evidence.getOrDefault("indices", "").split(",")) {
                        if (!index.isBlank()) {
                            String renamed = compiled.matcher(index).replaceAll(replacement);
                            if (renamed.equals(index)
                                    || !INDEX_NAME.matcher(renamed).matches()) {
                                throw invalid("renaming index " + index + " gives '" + renamed
                                        + "', which is not a new, valid index name");
                            }
                        }
                    }
                } catch (IllegalArgumentException | IndexOutOfBoundsException e) { // PatternSyntaxException too
                    throw invalid("the rename pattern of store " + c.store + " is unusable: " + e.getMessage());
                }
                p.put(Parameters.RENAME_PATTERN, pattern);
                p.put(Parameters.RENAME_REPLACEMENT, replacement);
            }
        }
        return p;
    }

    private static void allowOnly(StepEntity c, JsonNode target, String... fields) {
        Set<String> allowed = Set.of(fields);
        for (Iterator<String> it = target.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!allowed.contains(field)) {
                throw invalid("unknown field '" + field + "' in the target of store " + c.store + "; allowed: "
                        + String.join(", ", fields));
            }
        }
    }

    private static RestoreRejectedException invalid(String message) {
        return new RestoreRejectedException(400, "Invalid restore request", message);
    }

    private static String shorten(String name, int max) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        return lower.length() <= max ? lower : lower.substring(0, max);
    }
}
