package io.lockstep.coordinator.retention;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * Named leases in the catalog ({@code coordinator_leases}), so that of several coordinators on one catalog only one
 * runs a retention pass at a time. A holder that dies loses its lease when it runs out.
 */
@ApplicationScoped
public class Leases {

    /** This coordinator process. */
    private final String holder = UUID.randomUUID().toString();

    private final EntityManager em;

    Leases(EntityManager em) {
        this.em = em;
    }

    /** Takes (or extends) the lease if it is free, ran out, or is already ours. */
    public boolean tryAcquire(String name, Instant now, Duration ttl) {
        return QuarkusTransaction.requiringNew()
                .call(() -> em.createNativeQuery(
                                        "insert into coordinator_leases "
                                                + "(name, holder, until) values (:name, :holder, :until) on conflict (name) do update "
                                                + "set holder = excluded.holder, until = excluded.until "
                                                + "where coordinator_leases.until < :now or coordinator_leases.holder = excluded.holder")
                                .setParameter("name", name)
                                .setParameter("holder", holder)
                                .setParameter("until", now.plus(ttl))
                                .setParameter("now", now)
                                .executeUpdate()
                        == 1);
    }

    public void release(String name) {
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery(
                                "delete from coordinator_leases " + "where name = :name and holder = :holder")
                        .setParameter("name", name)
                        .setParameter("holder", holder)
                        .executeUpdate());
    }
}
