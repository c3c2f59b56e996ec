package io.lockstep.coordinator.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * When a plan's scheduled repository check ({@link PlanSpec.Check}) fires next; claimed with {@code FOR UPDATE SKIP
 * LOCKED} so a slot starts one check across coordinators.
 */
@Entity
@Table(name = "plan_check_schedules")
public class PlanCheckScheduleEntity extends PanacheEntityBase {

    @Id
    @Column(name = "plan_name")
    public String plan;

    /** The schedule this row was computed from; a changed check schedule recomputes {@link #nextFireAt}. */
    @Column(nullable = false)
    public String schedule;

    @Column(nullable = false)
    public String timezone;

    @Column(name = "next_fire_at", nullable = false)
    public Instant nextFireAt;

    @Column(name = "last_fired_at")
    public Instant lastFiredAt;

    /** The check the last slot started. */
    @Column(name = "last_check_id")
    public UUID lastCheckId;
}
