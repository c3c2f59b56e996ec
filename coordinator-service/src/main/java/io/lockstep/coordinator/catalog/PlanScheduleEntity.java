package io.lockstep.coordinator.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** When a scheduled plan fires next; claimed with {@code FOR UPDATE SKIP LOCKED} so a slot fires once. */
@Entity
@Table(name = "plan_schedules")
public class PlanScheduleEntity extends PanacheEntityBase {

    @Id
    @Column(name = "plan_name")
    public String plan;

    /** The schedule this row was computed from; a changed plan schedule recomputes {@link #nextFireAt}. */
    @Column(nullable = false)
    public String schedule;

    @Column(nullable = false)
    public String timezone;

    @Column(name = "next_fire_at", nullable = false)
    public Instant nextFireAt;

    @Column(name = "last_fired_at")
    public Instant lastFiredAt;

    /** Set when the staleness alarm was raised; cleared once the plan is healthy again. */
    @Column(name = "stale_since")
    public Instant staleSince;
}
