package io.lockstep.coordinator.schedule;

import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The one query behind every schedule table (backups, repository checks): the plan whose row is due first, locked
 * for this transaction with {@code FOR UPDATE SKIP LOCKED}, so that each due slot fires on exactly one coordinator
 * and a coordinator busy with one row never blocks another on the next.
 */
final class DueRows {

    private DueRows() {}

    /**
     * Locks and names the first row of {@code table} (a {@code plan_name}, {@code next_fire_at} table) due at
     * {@code now}, skipping the plans in {@code exclude} (rows that failed in this round) and rows others hold.
     */
    static Optional<String> lockFirstDue(EntityManager em, String table, Instant now, Set<String> exclude) {
        @SuppressWarnings("unchecked")
        var query = em.createNativeQuery("select plan_name from " + table + " where next_fire_at <= :now"
                        + (exclude.isEmpty() ? "" : " and plan_name not in (:exclude)")
                        + " order by next_fire_at limit 1 for update skip locked")
                .setParameter("now", now);
        if (!exclude.isEmpty()) {
            query.setParameter("exclude", List.copyOf(exclude));
        }
        List<String> due = query.getResultList();
        return due.isEmpty() ? Optional.empty() : Optional.of(due.get(0));
    }
}
