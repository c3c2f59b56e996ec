package io.lockstep.coordinator.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.coordinator.catalog.AgentEntity;
import io.lockstep.coordinator.catalog.Json;
import io.lockstep.coordinator.catalog.PlanEntity;
import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StoreEntity;
import io.lockstep.coordinator.plan.CronSchedule;
import io.lockstep.coordinator.run.BackupPlanner;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The JSON shapes of the API (catalog rows never leave the service as they are). */
public final class Views {

    private Views() {}

    public record AgentView(
            String id,
            String kind,
            String version,
            Instant startedAt,
            Instant lastSeen,
            boolean live,
            List<String> activeSteps,
            List<String> stores) {
        static AgentView of(AgentEntity a, List<String> stores, BackupPlanner.Liveness liveness) {
            return new AgentView(
                    a.id,
                    a.kind,
                    a.version,
                    a.startedAt,
                    a.lastSeen,
                    !liveness.silent(a.lastSeen),
                    Json.readList(a.activeSteps),
                    stores);
        }
    }

    /** What {@code DELETE /agents/{id}} forgot: the agent, its stores, and the runs that lost a step with it. */
    public record ForgottenAgent(String agent, List<String> stores, List<String> failedRuns) {}

    public record StoreView(
            String id,
            String kind,
            String agent,
            List<String> databases,
            Map<String, String> attributes,
            Instant lastSeen,
            boolean live) {
        static StoreView of(StoreEntity s, BackupPlanner.Liveness liveness) {
            return new StoreView(
                    s.id,
                    s.kind,
                    s.agentId,
                    Json.readList(s.databases),
                    Json.readMap(s.attributes),
                    s.lastSeen,
                    !liveness.silent(s.lastSeen));
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PlanView(
            String name,
            List<String> stores,
            String schedule,
            String timezone,
            JsonNode retention,
            String verify,
            List<PlanSpec.Reference> references,
            JsonNode hooks,
            List<Instant> nextRuns,
            PlanCheckView check,
            Instant createdAt,
            Instant updatedAt) {
        /** Hook URLs are shown without their credentials to every role (README, "Security"). */
        static PlanView of(PlanEntity p) {
            PlanSpec spec = p.spec.withoutHookSecrets();
            List<Instant> next = null;
            if (spec.schedule() != null) {
                ZoneId zone = spec.timezone() == null ? ZoneOffset.UTC : ZoneId.of(spec.timezone());
                next = CronSchedule.parse(spec.schedule(), zone).next(ZonedDateTime.now(zone), 3).stream()
                        .map(ZonedDateTime::toInstant)
                        .toList();
            }
            return new PlanView(
                    p.name,
                    spec.stores(),
                    spec.schedule(),
                    spec.timezone(),
                    spec.retention(),
                    spec.verify(),
                    spec.references(),
                    spec.hooks(),
                    next,
                    PlanCheckView.of(p.name, spec),
                    p.createdAt,
                    p.updatedAt);
        }
    }

    /** A plan's scheduled repository check: its settings, next fire times, and the last check it started. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PlanCheckView(
            String schedule,
            Boolean readData,
            Integer samplePercent,
            List<Instant> nextChecks,
            UUID lastCheckId,
            String lastCheckState,
            Instant lastCheckAt) {
        static PlanCheckView of(String plan, PlanSpec spec) {
            PlanSpec.Check check = spec.check();
            if (check == null) {
                return null;
            }
            ZoneId zone = spec.timezone() == null ? ZoneOffset.UTC : ZoneId.of(spec.timezone());
            List<Instant> next = CronSchedule.parse(check.schedule(), zone).next(ZonedDateTime.now(zone), 3).stream()
                    .map(ZonedDateTime::toInstant)
                    .toList();
            io.lockstep.coordinator.catalog.CheckEntity last =
                    io.lockstep.coordinator.catalog.CheckEntity.<io.lockstep.coordinator.catalog.CheckEntity>find(
                                    "plan = ?1 order by createdAt desc", plan)
                            .firstResult();
            return new PlanCheckView(
                    check.schedule(),
                    check.readData(),
                    check.samplePercent(),
                    next,
                    last == null ? null : last.id,
                    last == null ? null : last.state,
                    last == null ? null : last.createdAt);
        }
    }

    /** Optional body of {@code POST /plans/{name}/backups}. */
    public record BackupRequest(String label, Boolean pin) {}

    /** Body of {@code PATCH /runs/{id}}. */
    public record RunPatch(Boolean pinned) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StepView(
            UUID id,
            String store,
            String kind,
            String action,
            String database,
            int wave,
            String state,
            String agent,
            String artifact,
            Long bytes,
            Long items,
            Instant progressAt,
            String sha256,
            String error,
            Instant createdAt,
            Instant dispatchedAt,
            Instant acceptedAt,
            Instant startedAt,
            Instant endedAt,
            Instant deadline,
            Map<String, String> evidence) {
        static StepView of(StepEntity s) {
            var evidence = new java.util.TreeMap<>(s.evidence);
            if (s.snapshotAt != null) {
                evidence.put("snapshotTime", s.snapshotAt.toString());
            }
            if (s.snapshotLsn != null) {
                evidence.put("lsn", s.snapshotLsn);
            }
            return new StepView(
                    s.id,
                    s.store,
                    s.storeKind.name(),
                    s.action.name(),
                    s.database,
                    s.wave,
                    s.state.name(),
                    s.agentId,
                    s.artifact,
                    s.bytes,
                    s.items,
                    s.progressAt,
                    s.sha256,
                    s.error,
                    s.createdAt,
                    s.dispatchedAt,
                    s.acceptedAt,
                    s.startedAt,
                    s.endedAt,
                    s.deadline,
                    evidence);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RunView(
            UUID id,
            String plan,
            String type,
            String state,
            String phase,
            Instant consistencyPoint,
            String label,
            boolean pinned,
            long bytes,
            String error,
            Instant createdAt,
            Instant startedAt,
            Instant endedAt,
            Long durationMillis,
            UUID sourceRunId,
            JsonNode options,
            JsonNode result,
            Boolean verified,
            Instant verifiedAt,
            JsonNode verification,
            RunEvidence evidence,
            List<StepView> steps,
            Instant expiringAt,
            Instant expiredAt,
            String expiryReason,
            List<String> warnings) {
        public static RunView of(RunEntity r, List<StepEntity> steps) {
            Long duration = r.endedAt == null
                    ? null
                    : Duration.between(r.createdAt, r.endedAt).toMillis();
            boolean backup = r.type == RunType.BACKUP;
            return new RunView(
                    r.id,
                    r.plan,
                    r.type.name(),
                    r.state.name(),
                    r.phase.name(),
                    r.consistencyPoint,
                    r.label,
                    r.pinned,
                    r.bytes,
                    r.error,
                    r.createdAt,
                    r.startedAt,
                    r.endedAt,
                    duration,
                    r.sourceRunId,
                    Json.tree(r.options),
                    Json.tree(r.result),
                    backup ? r.verified : null,
                    r.verifiedAt,
                    Json.tree(r.verification),
                    steps == null ? null : RunEvidence.of(steps),
                    steps == null ? null : steps.stream().map(StepView::of).toList(),
                    r.expiringAt,
                    r.expiredAt,
                    r.expiryReason,
                    io.lockstep.coordinator.check.RunDamage.warnings(r.damage));
        }
    }

    /** Body of {@code POST /repository/check}. */
    public record CheckRequest(Boolean readData, Integer sample) {}

    /** A repository check: its progress while it runs, its summary when it ended. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CheckView(
            UUID id,
            String state,
            boolean readData,
            int samplePercent,
            String requestedBy,
            String plan,
            Instant createdAt,
            Instant progressAt,
            Instant endedAt,
            JsonNode progress,
            JsonNode summary,
            String error) {
        static CheckView of(io.lockstep.coordinator.catalog.CheckEntity c) {
            return new CheckView(
                    c.id,
                    c.state,
                    c.readData,
                    c.samplePercent,
                    c.requestedBy,
                    c.plan,
                    c.createdAt,
                    c.progressAt,
                    c.endedAt,
                    Json.tree(c.progress),
                    Json.tree(c.summary),
                    c.error);
        }
    }

    /** Body of {@code POST /runs/{id}/verify}. */
    public record VerifyRequest(Boolean drill) {}
}
