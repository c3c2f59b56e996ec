package io.lockstep.coordinator.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** One backup, restore, restore drill or re-verification. Only {@code RunStateMachine} changes its state and phase. */
@Entity
@Table(name = "runs")
public class RunEntity extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "plan_name", nullable = false)
    public String plan;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public RunType type;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public RunState state;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public RunPhase phase;

    public String label;

    @Column(nullable = false)
    public boolean pinned;

    /** The plan as it was when the run started, so later edits do not change a running run. */
    @Convert(converter = JsonColumns.PlanSpecs.class)
    @Column(name = "plan_spec", nullable = false)
    public PlanSpec planSpec;

    @Column(name = "consistency_point")
    public Instant consistencyPoint;

    @Column(nullable = false)
    public long bytes;

    public String error;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "ended_at")
    public Instant endedAt;

    /** When run.json was written to the backup repository; null until then. */
    @Column(name = "manifest_written_at")
    public Instant manifestWrittenAt;

    /**
     * The {@link #version} whose facts the repository holds (run.json, then run status records); null until run.json
     * is written. A newer version gets a status record ({@code manifest/RunStatusRecords}).
     */
    @Column(name = "status_version")
    public Long statusVersion;

    /** For a restore, drill or re-verification: the backup run it uses. */
    @Column(name = "source_run_id")
    public UUID sourceRunId;

    /** The operator's request, for runs that have options. */
    @Convert(converter = JsonColumns.Options.class)
    public RestoreOptions options;

    /** What the run found: a dry run's report, a drill's figures, a restore's hook calls. */
    @Convert(converter = JsonColumns.ObjectMap.class)
    public Map<String, Object> result;

    /** On a backup: a restore drill passed on it. */
    @Column(nullable = false)
    public boolean verified;

    @Column(name = "verified_at")
    public Instant verifiedAt;

    /** On a backup: the last drill's outcome and figures. */
    @Convert(converter = JsonColumns.ObjectMap.class)
    public Map<String, Object> verification;

    /** When retention (or DELETE /runs/{id}) decided to expire the run; its artifacts are being deleted. */
    @Column(name = "expiring_at")
    public Instant expiringAt;

    /** When every artifact of the run was deleted; the run stays in the catalog as history. */
    @Column(name = "expired_at")
    public Instant expiredAt;

    /** The retention rule (or the API call) that expired the run. */
    @Column(name = "expiry_reason")
    public String expiryReason;

    /**
     * On a backup: what repository checks found wrong with its artifacts ({@code checkId}, {@code checkedAt},
     * {@code problems}); null while nothing is known to be wrong. Written by the check, never by the state machine.
     */
    @Convert(converter = JsonColumns.ObjectMap.class)
    public Map<String, Object> damage;

    @Version
    public long version;

    /** A new run, QUEUED, not yet persisted, under the plan as it is now. */
    public static RunEntity queued(String plan, RunType type, PlanSpec spec, Instant now) {
        RunEntity run = new RunEntity();
        run.id = UUID.randomUUID();
        run.plan = plan;
        run.type = type;
        run.state = RunState.QUEUED;
        run.phase = RunPhase.QUEUED;
        run.planSpec = spec;
        run.createdAt = now;
        return run;
    }
}
