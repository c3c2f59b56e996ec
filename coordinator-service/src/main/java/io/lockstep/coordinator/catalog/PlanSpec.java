package io.lockstep.coordinator.catalog;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lockstep.protocol.UrlRedactor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A backup plan as operators write it ({@code PUT /api/v1/plans/{name}}).
 *
 * @param stores the store ids the plan backs up together; at least one
 * @param schedule optional cron expression (5 fields) or {@code @daily}, {@code @weekly}, {@code @hourly}
 * @param timezone optional IANA zone for the schedule, UTC by default
 * @param retention optional retention rules (keepLast, keepDaily, keepWeekly, keepMonthly, maxAgeDays)
 * @param verify {@code checksum} (default) or {@code restore-drill}
 * @param references optional cross-store reference checks (docs/rules.md, "Cross-store references")
 * @param hooks optional HTTP hooks an in-place restore calls: {@code {"stopDependents": "<url>", "startDependents":
 *        "<url>"}}; each gets a POST with the restore's id, plan and backup, and must answer 2xx. Their URLs may hold
 *        credentials (user info, a query token): only the catalog keeps them whole, everything shown or written
 *        elsewhere goes through {@link #withoutHookSecrets()}
 * @param timeouts optional per-step timeouts by action ({@code quiesce}, {@code backup}, {@code verify},
 *        {@code resume}), such as {@code "90s"}, {@code "30m"} or {@code "6h"}; the coordinator's step timeout
 *        otherwise
 * @param check optional scheduled repository check of the plan's backups ({@link Check})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PlanSpec(
        List<String> stores,
        String schedule,
        String timezone,
        JsonNode retention,
        String verify,
        List<Reference> references,
        JsonNode hooks,
        Map<String, String> timeouts,
        Check check) {

    /** A plan without a scheduled repository check. */
    public PlanSpec(
            List<String> stores,
            String schedule,
            String timezone,
            JsonNode retention,
            String verify,
            List<Reference> references,
            JsonNode hooks,
            Map<String, String> timeouts) {
        this(stores, schedule, timezone, retention, verify, references, hooks, timeouts, null);
    }

    /**
     * A repository check of the plan's backups on a schedule of its own (issue 16): the check {@code POST
     * /repository/check} runs, limited to the plan's runs and the blobs their manifests name, recorded the same way.
     *
     * @param schedule cron expression (5 fields) or {@code @daily}, {@code @weekly}, {@code @hourly}, in the plan's
     *        timezone; required
     * @param readData read the data whole (SHA-256 and AEAD), not only its first byte; false by default
     * @param samplePercent with {@code readData}, the share of artifacts and blobs read, 1 to 100 (100 by default)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Check(String schedule, Boolean readData, Integer samplePercent) {}

    /**
     * A cross-store reference check: the query, run in the database's snapshot, returns object keys that the object
     * store's manifest must hold.
     *
     * @param store the PostgreSQL store
     * @param database its database the query runs in
     * @param query returns one key per row, such as {@code select key from blocks}
     * @param objects the object store the keys name objects of
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Reference(String store, String database, String query, String objects) {}

    /** The plan's references; empty when it declares none. */
    public List<Reference> referenceList() {
        return references == null ? List.of() : references;
    }

    public static final String VERIFY_RESTORE_DRILL = "restore-drill";
    public static final String HOOK_STOP_DEPENDENTS = "stopDependents";
    public static final String HOOK_START_DEPENDENTS = "startDependents";

    /** The URL of a hook, or null. */
    public String hook(String name) {
        if (hooks == null || !hooks.hasNonNull(name)) {
            return null;
        }
        JsonNode hook = hooks.get(name);
        return hook.isTextual() ? hook.asText() : hook.path("url").asText(null);
    }

    /**
     * This spec as it may be shown or written anywhere outside the catalog (API answers, run.json, logs): each hook
     * URL without user info, query and fragment ({@link UrlRedactor#withoutSecrets(String)}).
     */
    public PlanSpec withoutHookSecrets() {
        if (hooks == null || !hooks.isObject()) {
            return this;
        }
        ObjectNode shown = hooks.deepCopy();
        for (String name : hookNames()) {
            String url = hook(name);
            if (url != null) {
                setHook(shown, name, UrlRedactor.withoutSecrets(url));
            }
        }
        return withHooks(shown);
    }

    /**
     * This spec, sent to replace {@code stored}, with each hook URL that only repeats the shown (redacted) form of
     * the stored hook's URL put back to the stored URL, so a plan read from the API and written back keeps its hooks'
     * credentials. A hook given any other URL gets that URL.
     */
    public PlanSpec keepingHookSecretsOf(PlanSpec stored) {
        if (stored == null || hooks == null || !hooks.isObject()) {
            return this;
        }
        ObjectNode kept = hooks.deepCopy();
        boolean changed = false;
        for (String name : hookNames()) {
            String given = hook(name);
            String before = stored.hook(name);
            if (given != null
                    && before != null
                    && !given.equals(before)
                    && given.equals(UrlRedactor.withoutSecrets(before))) {
                setHook(kept, name, before);
                changed = true;
            }
        }
        return changed ? withHooks(kept) : this;
    }

    private List<String> hookNames() {
        List<String> names = new ArrayList<>();
        hooks.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static void setHook(ObjectNode hooks, String name, String url) {
        JsonNode hook = hooks.get(name);
        if (hook instanceof ObjectNode object) {
            object.put("url", url);
        } else {
            hooks.put(name, url);
        }
    }

    private PlanSpec withHooks(JsonNode newHooks) {
        return new PlanSpec(stores, schedule, timezone, retention, verify, references, newHooks, timeouts, check);
    }

    /** Without the hooks' credentials, should a spec ever be logged. */
    @Override
    public String toString() {
        PlanSpec shown = withoutHookSecrets();
        return "PlanSpec[stores=" + stores + ", schedule=" + schedule + ", timezone=" + timezone + ", retention="
                + retention + ", verify=" + verify + ", references=" + references + ", hooks=" + shown.hooks
                + ", timeouts=" + timeouts + ", check=" + check + "]";
    }

    /** Parses {@code 90s}, {@code 30m}, {@code 6h}, {@code 1d} or an ISO-8601 duration. */
    public static java.time.Duration parseDuration(String text) {
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        if (t.startsWith("p")) {
            return java.time.Duration.parse(t.toUpperCase(java.util.Locale.ROOT));
        }
        long amount = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
            case 's' -> java.time.Duration.ofSeconds(amount);
            case 'm' -> java.time.Duration.ofMinutes(amount);
            case 'h' -> java.time.Duration.ofHours(amount);
            case 'd' -> java.time.Duration.ofDays(amount);
            default -> throw new IllegalArgumentException("unknown unit in '" + text + "'");
        };
    }
}
