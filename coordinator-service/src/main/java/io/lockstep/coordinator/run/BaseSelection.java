package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Chooses the base of an object store's incremental copy: the manifest whose entries the objectstore-agent may
 * reuse (an object with the same key, size and ETag keeps its blob, if that blob is still listed).
 * <p>
 * The base is the newest copy of the store (by the end of its BACKUP step) such that:
 * <ul>
 * <li>the copy succeeded <em>and</em> the store's own VERIFY in that run succeeded (the manifest was re-read with
 * its SHA-256 and every blob it names existed);</li>
 * <li>the run is a backup and is neither expiring nor expired (its manifest is being, or was, deleted);</li>
 * <li>the run is not FAILED: a run that failed proves nothing about what it wrote;</li>
 * <li>a run of another plan (plans may share a store) only if it is CONSISTENT. Within the plan, a run whose
 * store verified but that is still VERIFYING other stores, or was CANCELLED after, is a valid base.</li>
 * </ul>
 * Without such a run the copy is a full one.
 */
public final class BaseSelection {

    /** At most this many of the store's newest successful copies are considered. */
    static final int CANDIDATES = 20;

    /** A successful copy of the store, with what the rules need to know of its run. */
    public record Candidate(
            UUID runId,
            String plan,
            RunType runType,
            RunState runState,
            boolean expiring,
            boolean expired,
            boolean storeVerified,
            Instant copiedAt,
            String manifest) {}

    private BaseSelection() {}

    /** Whether a copy may be the base of a copy of the same store for {@code plan}. */
    public static boolean eligible(Candidate c, String plan) {
        if (c.manifest() == null || c.manifest().isBlank() || !c.storeVerified() || c.expiring() || c.expired()) {
            return false;
        }
        if (c.runType() != RunType.BACKUP || c.runState() == RunState.FAILED) {
            return false;
        }
        return c.runState() == RunState.CONSISTENT || c.plan().equals(plan);
    }

    /** The newest eligible copy's manifest. */
    public static Optional<String> choose(String plan, List<Candidate> candidates) {
        return candidates.stream()
                .filter(c -> eligible(c, plan))
                .max(Comparator.comparing(Candidate::copiedAt, Comparator.nullsFirst(Comparator.naturalOrder())))
                .map(Candidate::manifest);
    }

    /** The base manifest for a copy of {@code store} in a run of {@code plan}, from the catalog (in a transaction). */
    public static Optional<String> manifestFor(String plan, String store) {
        return choose(plan, candidates(plan, store));
    }

    static List<Candidate> candidates(String plan, String store) {
        var em = StepEntity.getEntityManager();
        // Narrowed in SQL (so that other plans' failures cannot crowd out the candidates); the rules above decide.
        List<Object[]> rows = em.createQuery(
                        "select s.runId, r.plan, r.type, r.state, r.expiringAt, r.expiredAt, "
                                + "s.endedAt, s.artifact from StepEntity s, RunEntity r where s.runId = r.id and s.store = :store "
                                + "and s.storeKind = :objects and s.action = :backup and s.state = :succeeded and r.type = :backupRun "
                                + "and r.state <> :failed and r.expiringAt is null and (r.plan = :plan or r.state = :consistent) "
                                + "order by s.endedAt desc",
                        Object[].class)
                .setParameter("store", store)
                .setParameter("objects", StoreKind.OBJECTSTORE)
                .setParameter("backup", StepAction.BACKUP)
                .setParameter("succeeded", StepState.SUCCEEDED)
                .setParameter("backupRun", RunType.BACKUP)
                .setParameter("failed", RunState.FAILED)
                .setParameter("plan", plan)
                .setParameter("consistent", RunState.CONSISTENT)
                .setMaxResults(CANDIDATES)
                .getResultList();
        if (rows.isEmpty()) {
            return List.of();
        }
        List<UUID> runIds = rows.stream().map(r -> (UUID) r[0]).toList();
        Set<UUID> verified = new HashSet<>(em.createQuery(
                        "select v.runId from StepEntity v where v.runId in :runs "
                                + "and v.store = :store and v.action = :verify and v.state = :succeeded",
                        UUID.class)
                .setParameter("runs", runIds)
                .setParameter("store", store)
                .setParameter("verify", StepAction.VERIFY)
                .setParameter("succeeded", StepState.SUCCEEDED)
                .getResultList());
        return rows.stream()
                .map(r -> new Candidate(
                        (UUID) r[0],
                        (String) r[1],
                        (RunType) r[2],
                        (RunState) r[3],
                        r[4] != null,
                        r[5] != null,
                        verified.contains((UUID) r[0]),
                        (Instant) r[6],
                        (String) r[7]))
                .toList();
    }
}
