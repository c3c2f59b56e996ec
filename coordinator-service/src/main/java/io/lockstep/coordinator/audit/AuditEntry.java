package io.lockstep.coordinator.audit;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** One audited API call (see V5__audit.sql). */
@Entity
@Table(name = "audit_log")
public class AuditEntry extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false)
    public Instant at;

    @Column(nullable = false)
    public String subject;

    public String role;

    @Column(nullable = false)
    public String method;

    @Column(nullable = false)
    public String path;

    @Column(name = "target_kind")
    public String targetKind;

    @Column(name = "target_id")
    public String targetId;

    @Column(nullable = false)
    public int status;

    public String detail;
}
