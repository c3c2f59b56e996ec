package io.lockstep.coordinator.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lockstep.coordinator.support.ManualSchedulingMessaging;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The backlog of runs waiting for a repository write (run.json, status records), over the real catalog: a run whose
 * write fails is tried once per tick and left for the next; the runs after it are written in the same tick.
 */
@QuarkusTest
@QuarkusTestResource(ManualSchedulingMessaging.class)
class RunBacklogTest {

    @Test
    void aRunThatCannotBeWrittenDoesNotHoldUpTheRunsAfterIt() {
        String plan = "backlog-" + UUID.randomUUID().toString().substring(0, 8);
        List<UUID> runs = new ArrayList<>();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> {
            for (int i = 0; i < 7; i++) {
                RunEntity run = RunEntity.queued(
                        plan,
                        RunType.BACKUP,
                        new PlanSpec(List.of("app"), null, null, null, null, null, null, null),
                        at.plusSeconds(i));
                run.persist();
                runs.add(run.id);
            }
        });
        UUID broken = runs.get(0); // the oldest: first in the order
        Map<UUID, Integer> tries = new ConcurrentHashMap<>();
        String waiting = "plan = '" + plan + "' and label is null order by createdAt, id";

        int written = RunBacklog.drain(
                "test item",
                waiting,
                2, // pages smaller than the backlog: the broken run stays on the first page of every query
                Duration.ofSeconds(20),
                id -> {
                    tries.merge(id, 1, Integer::sum);
                    if (id.equals(broken)) {
                        throw new IllegalStateException("the repository refused it");
                    }
                    QuarkusTransaction.requiringNew()
                            .run(() -> RunEntity.update("label = 'written' where id = ?1", id));
                },
                Logger.getLogger(RunBacklogTest.class));

        assertEquals(6, written);
        List<UUID> left = QuarkusTransaction.requiringNew()
                .call(() -> RunEntity.<RunEntity>find(waiting).list().stream()
                        .map(r -> r.id)
                        .toList());
        assertEquals(List.of(broken), left, "every run but the broken one was written in the one tick");
        assertEquals(1, tries.get(broken), "the broken run was tried once, not again and again within the tick");
        runs.forEach(id -> assertEquals(1, tries.get(id), "each run tried once"));
    }
}
