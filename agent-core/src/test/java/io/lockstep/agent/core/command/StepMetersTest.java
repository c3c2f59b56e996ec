package io.lockstep.agent.core.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class StepMetersTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final StepMeters meters = new StepMeters(registry);

    private double counter(String name, String... tags) {
        var counter = registry.find(name).tags(tags).counter();
        return counter == null ? -1 : counter.count();
    }

    @Test
    void progressIsCountedOnceAsItGoesAndTheRestAtTheEnd() {
        StepMeters.Step step = meters.start(StepAction.BACKUP, StoreKind.POSTGRES);
        step.bytes(100);
        step.bytes(250);
        step.bytes(250); // a repeated report adds nothing
        step.bytes(200); // nor does a late, smaller one
        assertEquals(250, counter(StepMeters.BYTES_WRITTEN, "store_kind", "POSTGRES"));
        step.succeeded(1_000);
        assertEquals(1_000, counter(StepMeters.BYTES_WRITTEN, "store_kind", "POSTGRES"));
        assertEquals(
                1,
                registry.find(StepMeters.STEP_DURATION)
                        .tags("store_kind", "POSTGRES", "action", "BACKUP", "outcome", "succeeded")
                        .timer()
                        .count());
    }

    @Test
    void verifiesAndRestoresReadAndOtherStepsCountNoBytes() {
        meters.start(StepAction.VERIFY, StoreKind.OBJECTSTORE).succeeded(40);
        meters.start(StepAction.RESTORE, StoreKind.OBJECTSTORE).succeeded(2);
        meters.start(StepAction.QUIESCE, StoreKind.SEARCH).succeeded(7);
        assertEquals(42, counter(StepMeters.BYTES_READ, "store_kind", "OBJECTSTORE"));
        assertEquals(-1, counter(StepMeters.BYTES_WRITTEN, "store_kind", "OBJECTSTORE"));
        assertNull(registry.find(StepMeters.BYTES_READ)
                .tags("store_kind", "SEARCH")
                .counter());
        assertNull(StepMeters.direction(StepAction.EXPIRE));
    }

    @Test
    void failuresAreCountedByBoundedReason() {
        meters.start(StepAction.BACKUP, StoreKind.POSTGRES).failed(StepMeters.Reason.DEADLINE);
        meters.start(StepAction.BACKUP, StoreKind.POSTGRES).failed(StepMeters.Reason.DEADLINE);
        meters.start(StepAction.VERIFY, StoreKind.POSTGRES).failed(StepMeters.Reason.FAILED);
        assertEquals(
                2,
                counter(StepMeters.STEP_FAILURES, "store_kind", "POSTGRES", "action", "BACKUP", "reason", "deadline"));
        assertEquals(
                1, counter(StepMeters.STEP_FAILURES, "store_kind", "POSTGRES", "action", "VERIFY", "reason", "failed"));
        assertEquals(
                2,
                registry.find(StepMeters.STEP_DURATION)
                        .tags("action", "BACKUP", "outcome", "failed")
                        .timer()
                        .count());
    }

    @Test
    void aCancelRemembersItsKindForTheFailureMeter() {
        StepContext context = new StepContext(java.util.UUID.randomUUID(), java.util.UUID.randomUUID(), null, null);
        assertNull(context.cancelKind());
        context.cancel("past its deadline", StepMeters.Reason.DEADLINE);
        context.cancel("the run ended", StepMeters.Reason.CANCELLED); // the first cancel wins
        assertEquals(StepMeters.Reason.DEADLINE, context.cancelKind());
        assertEquals("past its deadline", context.cancelReason());
    }
}
