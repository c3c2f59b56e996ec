package io.lockstep.coordinator.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** An agent as last announced by its heartbeat. */
@Entity
@Table(name = "agents")
public class AgentEntity extends PanacheEntityBase {

    @Id
    public String id;

    @Column(nullable = false)
    public String kind;

    public String version;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "last_seen", nullable = false)
    public Instant lastSeen;

    /** JSON array of step ids the agent reported as running. */
    @Column(name = "active_steps", nullable = false)
    public String activeSteps = "[]";
}
