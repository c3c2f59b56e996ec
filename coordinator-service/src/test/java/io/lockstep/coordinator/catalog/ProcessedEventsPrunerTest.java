package io.lockstep.coordinator.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lockstep.coordinator.support.ManualSchedulingMessaging;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** processed_events is bounded: rows older than the retention go, in batches; recent ones stay. */
@QuarkusTest
@QuarkusTestResource(ManualSchedulingMessaging.class)
class ProcessedEventsPrunerTest {

    @Inject
    ProcessedEventsPruner pruner;

    private static List<String> insert(int count, Instant processedAt) {
        List<String> ids = new ArrayList<>();
        QuarkusTransaction.requiringNew().run(() -> {
            for (int i = 0; i < count; i++) {
                ProcessedEvent e = new ProcessedEvent();
                e.eventId = "prune-" + UUID.randomUUID();
                e.type = "test";
                e.processedAt = processedAt;
                e.persist();
                ids.add(e.eventId);
            }
        });
        return ids;
    }

    @Test
    void rowsOlderThanTheCutoffAreDeletedInBatchesAndRecentOnesStay() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Instant cutoff = now.minus(Duration.ofDays(7));
        List<String> old = insert(ProcessedEventsPruner.BATCH + 3, cutoff.minus(Duration.ofHours(1)));
        List<String> recent = insert(5, now);

        long pruned = pruner.prune(cutoff);

        assertEquals(old.size(), pruned, "more than one batch, all of it");
        QuarkusTransaction.requiringNew().run(() -> {
            assertNull(ProcessedEvent.findById(old.get(0)));
            assertNull(ProcessedEvent.findById(old.get(old.size() - 1)));
            recent.forEach(id -> assertNotNull(ProcessedEvent.findById(id)));
        });
        assertEquals(0, pruner.prune(cutoff), "nothing left to prune");
    }
}
