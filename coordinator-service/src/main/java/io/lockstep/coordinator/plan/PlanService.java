package io.lockstep.coordinator.plan;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.coordinator.catalog.DurationBounds;
import io.lockstep.coordinator.catalog.PlanEntity;
import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.StoreEntity;
import io.lockstep.coordinator.retention.RetentionRules;
import io.lockstep.protocol.ReferenceQuery;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Validates and stores plans; a stored plan is announced with {@link PlanChanged}. */
@ApplicationScoped
public class PlanService {

    private final Event<PlanChanged> changed;

    PlanService(Event<PlanChanged> changed) {
        this.changed = changed;
    }

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Set<String> VERIFY_MODES = Set.of("checksum", "restore-drill");

    public static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidPlanException(
                    400,
                    "plan name '" + name + "' is invalid: use 1 to 63 lowercase letters, "
                            + "digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    /** Checks a spec against the catalog; returns it normalized. */
    public PlanSpec validate(PlanSpec spec) {
        if (spec == null) {
            throw new InvalidPlanException(
                    400,
                    "the request body must be a plan object, for example "
                            + "{\"stores\": [\"app-db\"], \"schedule\": \"0 4 * * *\"}");
        }
        if (spec.stores() == null || spec.stores().isEmpty()) {
            throw new InvalidPlanException(400, "a plan needs at least one store in \"stores\"");
        }
        Set<String> seen = new HashSet<>();
        for (String store : spec.stores()) {
            if (store == null || store.isBlank()) {
                throw new InvalidPlanException(400, "\"stores\" holds an empty store id");
            }
            if (!seen.add(store)) {
                throw new InvalidPlanException(400, "store '" + store + "' is listed twice in \"stores\"");
            }
        }
        List<String> unknown = spec.stores().stream()
                .filter(s -> StoreEntity.findById(s) == null)
                .toList();
        if (!unknown.isEmpty()) {
            String known = StoreEntity.<StoreEntity>listAll().stream()
                    .map(s -> s.id)
                    .sorted()
                    .collect(Collectors.joining(", "));
            throw new InvalidPlanException(
                    422,
                    "unknown store" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                            + "; no agent has announced " + (unknown.size() > 1 ? "them" : "it") + ". Known stores: "
                            + (known.isEmpty() ? "none yet" : known));
        }
        ZoneId zone = ZoneOffset.UTC;
        if (spec.timezone() != null) {
            try {
                zone = ZoneId.of(spec.timezone());
            } catch (DateTimeException e) {
                throw new InvalidPlanException(
                        400,
                        "unknown timezone '" + spec.timezone() + "'; use an IANA name such as "
                                + "Europe/Paris or UTC");
            }
        }
        if (spec.schedule() != null) {
            try {
                CronSchedule.parse(spec.schedule(), zone);
            } catch (IllegalArgumentException e) {
                throw new InvalidPlanException(400, "invalid schedule: " + e.getMessage());
            }
        }
        if (spec.verify() != null && !VERIFY_MODES.contains(spec.verify())) {
            throw new InvalidPlanException(
                    400, "\"verify\" must be \"checksum\" or \"restore-drill\", not \"" + spec.verify() + "\"");
        }
        validateRetention(spec.retention());
        PlanSpec.Check check = validateCheck(spec.check(), zone);
        validateReferences(spec);
        validateTimeouts(spec);
        if (spec.hooks() != null && !spec.hooks().isObject()) {
            throw new InvalidPlanException(400, "\"hooks\" must be an object");
        }
        if (spec.hooks() != null) {
            for (var it = spec.hooks().fieldNames(); it.hasNext(); ) {
                String hook = it.next();
                if (!hook.equals(PlanSpec.HOOK_STOP_DEPENDENTS) && !hook.equals(PlanSpec.HOOK_START_DEPENDENTS)) {
                    throw new InvalidPlanException(
                            400,
                            "unknown hook \"" + hook + "\"; use \"" + PlanSpec.HOOK_STOP_DEPENDENTS + "\" or \""
                                    + PlanSpec.HOOK_START_DEPENDENTS + "\"");
                }
                String url = spec.hook(hook);
                if (url == null || !(url.startsWith("http://") || url.startsWith("https://")) || !hasHost(url)) {
                    throw new InvalidPlanException(
                            400, "hook \"" + hook + "\" must be an http(s) URL with a host, or {\"url\": ...}");
                }
            }
        }
        return new PlanSpec(
                List.copyOf(spec.stores()),
                spec.schedule(),
                spec.timezone(),
                spec.retention(),
                spec.verify() == null ? "checksum" : spec.verify(),
                spec.references(),
                spec.hooks(),
                spec.timeouts(),
                check);
    }

    /** The scheduled repository check, normalized (readData false, sample 100 by default); 400 when it is wrong, as for every invalid field. */
    private static PlanSpec.Check validateCheck(PlanSpec.Check check, ZoneId zone) {
        if (check == null) {
            return null;
        }
        if (check.schedule() == null || check.schedule().isBlank()) {
            throw new InvalidPlanException(
                    400, "\"check\" needs a \"schedule\", such as {\"schedule\": \"0 5 * * 0\", \"readData\": true}");
        }
        try {
            CronSchedule.parse(check.schedule(), zone);
        } catch (IllegalArgumentException e) {
            throw new InvalidPlanException(400, "invalid check schedule: " + e.getMessage());
        }
        boolean readData = Boolean.TRUE.equals(check.readData());
        Integer sample = check.samplePercent();
        if (sample != null && (sample < 1 || sample > 100)) {
            throw new InvalidPlanException(400, "\"check\".\"samplePercent\" must be from 1 to 100, not " + sample);
        }
        if (sample != null && !readData) {
            throw new InvalidPlanException(
                    400, "\"check\".\"samplePercent\" is the share of data read: it needs \"readData\": true");
        }
        return new PlanSpec.Check(check.schedule(), readData, sample == null ? 100 : sample);
    }

    private static boolean hasHost(String url) {
        try {
            return java.net.URI.create(url).getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static final Set<String> TIMEOUT_KEYS =
            Set.of("quiesce", "backup", "verify", "resume", "restore", "inspect", "check", "drop");

    private static void validateTimeouts(PlanSpec spec) {
        if (spec.timeouts() == null) {
            return;
        }
        spec.timeouts().forEach((action, value) -> {
            if (!TIMEOUT_KEYS.contains(action)) {
                throw new InvalidPlanException(400, "unknown timeout \"" + action + "\"; use " + TIMEOUT_KEYS);
            }
            try {
                DurationBounds.parse("timeout \"" + action + "\"", value, DurationBounds.MAX_STEP_TIMEOUT, false);
            } catch (IllegalArgumentException e) {
                throw new InvalidPlanException(400, e.getMessage());
            }
        });
    }

    private static void validateReferences(PlanSpec spec) {
        Set<String> databases = new HashSet<>();
        for (PlanSpec.Reference ref : spec.referenceList()) {
            if (ref == null
                    || isEmpty(ref.store())
                    || isEmpty(ref.database())
                    || ref.query() == null
                    || ref.query().isBlank()
                    || isEmpty(ref.objects())) {
                throw new InvalidPlanException(
                        400, "each reference needs \"store\", \"database\", \"query\" and " + "\"objects\"");
            }
            String store = ref.store();
            String database = ref.database();
            String objects = ref.objects();
            // The query runs as the backup role: one read-only SELECT, checked again by the agent before it runs.
            Optional<String> unsafe = ReferenceQuery.problem(ref.query());
            if (unsafe.isPresent()) {
                throw new InvalidPlanException(422, unsafe.get() + " (reference of " + store + "/" + database + ")");
            }
            StoreEntity sql = StoreEntity.findById(store);
            if (!spec.stores().contains(store) || sql == null || !"POSTGRES".equals(sql.kind)) {
                throw new InvalidPlanException(
                        422, "reference store '" + store + "' is not a PostgreSQL store of this plan");
            }
            StoreEntity bucket = StoreEntity.findById(objects);
            if (!spec.stores().contains(objects) || bucket == null || !"OBJECTSTORE".equals(bucket.kind)) {
                throw new InvalidPlanException(
                        422, "reference objects '" + objects + "' is not an object store of this " + "plan");
            }
            if (!databases.add(store + "/" + database)) {
                throw new InvalidPlanException(
                        400, "only one reference per database: " + store + "/" + database + " has two");
            }
        }
    }

    private static boolean isEmpty(String value) {
        return value == null || value.isEmpty();
    }

    private static void validateRetention(JsonNode retention) {
        try {
            RetentionRules.parse(retention);
        } catch (IllegalArgumentException e) {
            throw new InvalidPlanException(400, e.getMessage());
        }
    }

    @Transactional
    public PlanEntity put(String name, PlanSpec spec) {
        checkName(name);
        PlanEntity plan = PlanEntity.findById(name);
        // A plan read from the API shows its hooks without credentials; written back, it keeps the stored ones.
        PlanSpec valid = validate(spec).keepingHookSecretsOf(plan == null ? null : plan.spec);
        Instant now = Instant.now();
        if (plan == null) {
            plan = new PlanEntity();
            plan.name = name;
            plan.createdAt = now;
        }
        plan.spec = valid;
        plan.updatedAt = now;
        plan.persist();
        changed.fire(new PlanChanged(plan.name, valid));
        return plan;
    }

    public Optional<PlanEntity> find(String name) {
        return PlanEntity.findByIdOptional(name);
    }

    public List<PlanEntity> list() {
        return PlanEntity.list("order by name");
    }

    /** Deletes a plan; its runs stay in the history. Refused while a run of it is still going. */
    @Transactional
    public boolean delete(String name) {
        PlanEntity plan = PlanEntity.findById(name);
        if (plan == null) {
            return false;
        }
        long active = RunEntity.count("plan = ?1 and state in ?2", name, RunState.ACTIVE);
        if (active > 0) {
            throw new InvalidPlanException(
                    409, "plan '" + name + "' has a run in progress; wait for it to end, then " + "delete the plan");
        }
        plan.delete();
        return true;
    }
}
