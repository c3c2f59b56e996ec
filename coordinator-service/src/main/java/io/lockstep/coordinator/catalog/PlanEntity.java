package io.lockstep.coordinator.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;

/** A backup plan; {@link #spec} is the validated plan the operator PUT. */
@Entity
@Table(name = "plans")
public class PlanEntity extends PanacheEntityBase {

    @Id
    public String name;

    @Convert(converter = JsonColumns.PlanSpecs.class)
    @Column(nullable = false)
    public PlanSpec spec;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Version
    public long version;
}
