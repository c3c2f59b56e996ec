package io.lockstep.coordinator.catalog;

import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** One unit of agent work in a run, with the timestamps that serve as evidence. */
@Entity
@Table(name = "steps")
public class StepEntity extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "run_id", nullable = false)
    public UUID runId;

    @Column(nullable = false)
    public int seq;

    @Column(name = "store_id", nullable = false)
    public String store;

    @Enumerated(EnumType.STRING)
    @Column(name = "store_kind", nullable = false)
    public StoreKind storeKind;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public StepAction action;

    @Column(name = "database_name")
    public String database;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public StepState state;

    @Column(name = "agent_id")
    public String agentId;

    public String artifact;

    public Long bytes;

    /** Objects, files or documents done, as the agent's newest progress report said. */
    public Long items;

    /** When the agent sent its newest progress report. */
    @Column(name = "progress_at")
    public Instant progressAt;

    public String sha256;

    /** What the agent reported besides bytes and hash. */
    @Convert(converter = JsonColumns.StringMap.class)
    @Column(nullable = false)
    public Map<String, String> evidence = Map.of();

    public String error;

    public Instant deadline;

    @Column(name = "snapshot_at")
    public Instant snapshotAt;

    @Column(name = "snapshot_lsn")
    public String snapshotLsn;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "dispatched_at")
    public Instant dispatchedAt;

    @Column(name = "accepted_at")
    public Instant acceptedAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "ended_at")
    public Instant endedAt;

    /** Restores and drills run their steps in waves: a wave starts when every step of the one before succeeded. */
    @Column(nullable = false)
    public int wave;

    /** The command's parameters, fixed when the step is planned. */
    @Convert(converter = JsonColumns.StringMap.class)
    @Column(nullable = false)
    public Map<String, String> parameters = Map.of();

    /** The SHA-256 the agent must find, for steps that read an artifact. */
    @Column(name = "expected_sha256")
    public String expectedSha256;

    @Version
    public long version;

    public static List<StepEntity> ofRun(UUID runId) {
        return list("runId = ?1 order by seq", runId);
    }
}
