package io.lockstep.search.backup;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-index document counts as they travel in evidence and commands: {@code index=count,index=count}. A backup
 * records them under its write blocks; a drill's check compares the restored indices with them.
 */
public final class DocumentCounts {

    private DocumentCounts() {}

    public static String encode(Map<String, Long> counts) {
        StringBuilder text = new StringBuilder();
        counts.forEach((k, v) ->
                text.append(text.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return text.toString();
    }

    /** The counts in their recorded order; pairs without {@code =} or with an empty index name are skipped. */
    public static Map<String, Long> decode(String text) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String pair : text.split(",")) {
            int eq = pair.lastIndexOf('=');
            if (eq > 0) {
                counts.put(pair.substring(0, eq), Long.parseLong(pair.substring(eq + 1)));
            }
        }
        return counts;
    }
}
