package io.lockstep.coordinator.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** One repository check (issue 16): RUNNING, then DONE (with its summary) or FAILED (with the reason). */
@Entity
@Table(name = "repository_checks")
public class CheckEntity extends PanacheEntityBase {

    public static final String RUNNING = "RUNNING";
    public static final String DONE = "DONE";
    public static final String FAILED = "FAILED";

    @Id
    public UUID id;

    @Column(nullable = false)
    public String state;

    @Column(name = "read_data", nullable = false)
    public boolean readData;

    /** The share of data read with {@link #readData}, 1 to 100. */
    @Column(name = "sample_percent", nullable = false)
    public int samplePercent;

    @Column(name = "requested_by")
    public String requestedBy;

    /** The plan whose backups the check covers (a scheduled check of the plan), or null: the whole repository. */
    public String plan;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** When the check last reported progress; a RUNNING check silent for long lost its coordinator. */
    @Column(name = "progress_at", nullable = false)
    public Instant progressAt;

    @Column(name = "ended_at")
    public Instant endedAt;

    @Convert(converter = JsonColumns.ObjectMap.class)
    public Map<String, Object> progress;

    @Convert(converter = JsonColumns.ObjectMap.class)
    public Map<String, Object> summary;

    public String error;
}
