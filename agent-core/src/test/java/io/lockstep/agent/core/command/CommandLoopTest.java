package io.lockstep.agent.core.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.agent.core.config.AgentConfig;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StoreKind;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CommandLoopTest {

    private static final AgentConfig CONFIG = TestAgentConfigs.agent("test-agent");

    /** Events that fail to reach Kafka while {@code brokerDown} is set. */
    private static final class Events extends AgentEvents {
        final AtomicBoolean brokerDown = new AtomicBoolean();
        final AtomicInteger accepted = new AtomicInteger();

        Events() {
            super(null, CONFIG);
        }

        @Override
        public void accepted(UUID runId, UUID stepId) {
            if (brokerDown.get()) {
                throw new IllegalStateException("Kafka did not acknowledge io.lockstep.step.accepted");
            }
            accepted.incrementAndGet();
        }

        @Override
        public void succeeded(UUID runId, UUID stepId, StepResult result, Instant startedAt) {}

        final CountDownLatch failed = new CountDownLatch(1);

        @Override
        public void failed(UUID runId, UUID stepId, String reason) {
            failed.countDown();
        }
    }

    private final Events events = new Events();
    private final CountDownLatch executed = new CountDownLatch(1);
    private final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    private final CommandLoop loop;

    CommandLoopTest() {
        StoreHandler handler = new StoreHandler() {
            @Override
            public StoreKind kind() {
                return StoreKind.POSTGRES;
            }

            @Override
            public List<Heartbeat.Store> stores() {
                return List.of(new Heartbeat.Store("s1", StoreKind.POSTGRES, List.of(), Map.of()));
            }

            @Override
            public StepResult execute(StepCommand command, StepContext context) throws StepFailure {
                executed.countDown();
                if ("slow".equals(command.database())) {
                    CountDownLatch cancelled = new CountDownLatch(1);
                    context.onCancel(cancelled::countDown);
                    try {
                        cancelled.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new StepFailure("the process was killed");
                }
                return new StepResult(0, null, null, Map.of());
            }
        };
        // Quiesce leases and the repository play no part in these (VERIFY) steps.
        loop = new CommandLoop(CONFIG, handler, events, null, null, new StepMeters(registry));
        loop.init();
    }

    @AfterEach
    void stop() {
        loop.stop(null);
    }

    private static String record(UUID stepId) {
        return record(stepId, Map.of());
    }

    private static String record(UUID stepId, Map<String, String> parameters) {
        return record(stepId, "db", parameters);
    }

    private static String record(UUID stepId, String database, Map<String, String> parameters) {
        StepCommand command = new StepCommand(
                UUID.randomUUID(),
                stepId,
                "plan",
                "s1",
                StepAction.VERIFY,
                database,
                null,
                null,
                Instant.now().plusSeconds(60),
                parameters);
        return new EventCodec("/coordinator").encode(EventTypes.STEP_COMMAND, "s1", command);
    }

    @Test
    void aCommandWhoseAcceptanceWasNotAcknowledgedIsTakenOnItsRedelivery() throws Exception {
        String record = record(UUID.randomUUID());
        events.brokerDown.set(true);
        assertThrows(IllegalStateException.class, () -> loop.onCommand(record));
        assertEquals(List.of(), loop.activeSteps());

        events.brokerDown.set(false);
        loop.onCommand(record);
        assertEquals(1, events.accepted.get());
        assertTrue(executed.await(10, TimeUnit.SECONDS), "the redelivered step ran");
    }

    @Test
    void aStepCancelledBeforeItsCommandArrivesIsNeverRun() throws Exception {
        UUID stepId = UUID.randomUUID();
        StepCommand cancel = new StepCommand(
                UUID.randomUUID(),
                UUID.randomUUID(),
                "plan",
                "s1",
                StepAction.CANCEL,
                null,
                null,
                null,
                Instant.now().plusSeconds(60),
                Map.of(StepCommand.Parameters.TARGET_STEP, stepId.toString()));
        loop.onCommand(new EventCodec("/coordinator").encode(EventTypes.STEP_COMMAND, "s1", cancel));
        loop.onCommand(record(stepId));
        assertEquals(0, events.accepted.get(), "the step was not accepted");
        assertEquals(List.of(), loop.activeSteps());
        assertEquals(1, executed.getCount(), "nor run");
    }

    @Test
    void aCommandAcceptedOnceIsNotTakenAgain() throws Exception {
        String record = record(UUID.randomUUID());
        loop.onCommand(record);
        loop.onCommand(record);
        assertEquals(1, events.accepted.get());
    }

    @Test
    void aCommandAddressedToAnotherAgentOfTheSameStoreIsIgnored() throws Exception {
        loop.onCommand(record(UUID.randomUUID(), Map.of(StepCommand.Parameters.AGENT, "other-agent")));
        assertEquals(0, events.accepted.get(), "another agent's step is not accepted");
        assertEquals(List.of(), loop.activeSteps());

        loop.onCommand(record(UUID.randomUUID(), Map.of(StepCommand.Parameters.AGENT, "test-agent")));
        assertEquals(1, events.accepted.get(), "a step addressed to this agent is");
        assertTrue(executed.await(10, TimeUnit.SECONDS), "and it runs");
    }

    @Test
    void aStepTheCoordinatorCancelsIsMeteredAsCancelledAndOneThatSucceedsAsSucceeded() throws Exception {
        UUID stepId = UUID.randomUUID();
        loop.onCommand(record(stepId, "slow", Map.of()));
        assertTrue(executed.await(10, TimeUnit.SECONDS), "the step runs");
        StepCommand cancel = new StepCommand(
                UUID.randomUUID(),
                UUID.randomUUID(),
                "plan",
                "s1",
                StepAction.CANCEL,
                null,
                null,
                null,
                Instant.now().plusSeconds(60),
                Map.of(StepCommand.Parameters.TARGET_STEP, stepId.toString()));
        loop.onCommand(new EventCodec("/coordinator").encode(EventTypes.STEP_COMMAND, "s1", cancel));
        assertTrue(events.failed.await(10, TimeUnit.SECONDS), "the cancelled step reports its failure");
        assertEquals(
                1,
                registry.get(StepMeters.STEP_FAILURES)
                        .tags("store_kind", "POSTGRES", "action", "VERIFY", "reason", "cancelled")
                        .counter()
                        .count());
        assertEquals(
                1,
                registry.get(StepMeters.STEP_DURATION)
                        .tags("outcome", "failed")
                        .timer()
                        .count());
    }
}
