package io.lockstep.coordinator.catalog;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A store as announced by the agent that serves it. */
@Entity
@Table(name = "stores")
public class StoreEntity extends PanacheEntityBase {

    @Id
    public String id;

    @Column(nullable = false)
    public String kind;

    @Column(name = "agent_id", nullable = false)
    public String agentId;

    /** JSON array of database names (PostgreSQL stores). */
    @Column(nullable = false)
    public String databases = "[]";

    /** JSON object of non-secret attributes. */
    @Column(nullable = false)
    public String attributes = "{}";

    @Column(name = "last_seen", nullable = false)
    public Instant lastSeen;
}
