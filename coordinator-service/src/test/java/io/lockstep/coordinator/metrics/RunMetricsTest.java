package io.lockstep.coordinator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.catalog.Json;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What an ended run is turned into (pure), and what the meters record of it. */
class RunMetricsTest {

    static final Instant T0 = Instant.parse("2026-11-30T04:00:00Z");

    static RunEntity run(RunType type, RunState state) {
        RunEntity run = new RunEntity();
        run.id = UUID.randomUUID();
        run.plan = "shop";
        run.type = type;
        run.state = state;
        run.startedAt = T0;
        run.endedAt = T0.plusSeconds(90);
        run.bytes = 5_000;
        return run;
    }

    static StepEntity step(String store, StoreKind kind, StepAction action, StepState state, String evidence) {
        StepEntity s = new StepEntity();
        s.id = UUID.randomUUID();
        s.store = store;
        s.storeKind = kind;
        s.action = action;
        s.state = state;
        s.evidence = Json.readMap(evidence);
        return s;
    }

    static StepEntity timed(StepEntity s, Instant from, Instant to) {
        s.startedAt = from;
        s.endedAt = to;
        return s;
    }

    final List<StepEntity> backupSteps = List.of(
            step(
                    "search",
                    StoreKind.SEARCH,
                    StepAction.QUIESCE,
                    StepState.SUCCEEDED,
                    "{\"quiescedAt\":\"2026-11-30T04:00:02Z\"}"),
            timed(
                    step("app", StoreKind.POSTGRES, StepAction.BACKUP, StepState.SUCCEEDED, "{}"),
                    T0.plusSeconds(3),
                    T0.plusSeconds(63)),
            step("media", StoreKind.OBJECTSTORE, StepAction.BACKUP, StepState.SUCCEEDED, "{\"objects\":\"120\"}"),
            step("media2", StoreKind.OBJECTSTORE, StepAction.BACKUP, StepState.SUCCEEDED, "{\"objects\":\"5\"}"),
            step(
                    "search",
                    StoreKind.SEARCH,
                    StepAction.RESUME,
                    StepState.SUCCEEDED,
                    "{\"resumedAt\":\"2026-11-30T04:00:12Z\"}"),
            // Still running when the run ended (a cleanup): no duration.
            step("other", StoreKind.POSTGRES, StepAction.VERIFY, StepState.RUNNING, "{}"));

    @Test
    void aBackupsOutcomeHasItsDurationObjectsStepTimesAndQuiesceWindow() {
        RunOutcome outcome = RunOutcome.of(run(RunType.BACKUP, RunState.CONSISTENT), backupSteps);
        assertEquals(Optional.of(Duration.ofSeconds(90)), outcome.duration());
        assertEquals(125, outcome.objects().orElseThrow());
        assertEquals(
                List.of(new RunOutcome.StepTime(
                        StepAction.BACKUP, StoreKind.POSTGRES, StepState.SUCCEEDED, Duration.ofSeconds(60))),
                outcome.steps());
        assertEquals(List.of(Duration.ofSeconds(10)), outcome.quiesceWindows());
        assertTrue(outcome.verificationKind().isEmpty());
    }

    @Test
    void aRunThatNeverStartedHasNoDurationAndAQuiesceNeverReleasedHasNoWindow() {
        RunEntity run = run(RunType.BACKUP, RunState.FAILED);
        run.startedAt = null;
        RunOutcome outcome = RunOutcome.of(run, List.of(backupSteps.get(0)));
        assertTrue(outcome.duration().isEmpty());
        assertTrue(outcome.objects().isEmpty());
        assertTrue(outcome.quiesceWindows().isEmpty());
    }

    @Test
    void theMetersCountRunsByPlanTypeAndStateAndRecordWhatACompletedRunMoved() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RunMetrics metrics = new RunMetrics(registry);
        metrics.record(RunOutcome.of(run(RunType.BACKUP, RunState.CONSISTENT), backupSteps));
        metrics.record(RunOutcome.of(run(RunType.BACKUP, RunState.CONSISTENT), backupSteps));
        metrics.record(RunOutcome.of(run(RunType.BACKUP, RunState.FAILED), List.of()));

        assertEquals(
                2,
                registry.get(MeterNames.RUNS)
                        .tags("plan", "shop", "state", "CONSISTENT")
                        .counter()
                        .count());
        assertEquals(
                1,
                registry.get(MeterNames.RUNS)
                        .tags("plan", "shop", "state", "FAILED")
                        .counter()
                        .count());
        var duration = registry.get(MeterNames.RUN_DURATION)
                .tags("state", "CONSISTENT")
                .timer();
        assertEquals(2, duration.count());
        assertEquals(180, duration.totalTime(TimeUnit.SECONDS), 0.001);
        // Bytes and objects only of completed runs: the failed run is not in them.
        var bytes = registry.get(MeterNames.RUN_BYTES)
                .tags("plan", "shop", "type", "BACKUP")
                .summary();
        assertEquals(2, bytes.count());
        assertEquals(10_000, bytes.totalAmount(), 0.001);
        assertEquals(250, registry.get(MeterNames.RUN_OBJECTS).summary().totalAmount(), 0.001);
        assertEquals(
                2,
                registry.get(MeterNames.STEP_DURATION)
                        .tags("action", "BACKUP", "store_kind", "POSTGRES", "state", "SUCCEEDED")
                        .timer()
                        .count());
        assertEquals(20, registry.get(MeterNames.QUIESCE_WINDOW).timer().totalTime(TimeUnit.SECONDS), 0.001);
        assertNull(registry.find(MeterNames.VERIFICATIONS).counter());
        // No run id in any tag.
        registry.getMeters()
                .forEach(m -> m.getId()
                        .getTags()
                        .forEach(t -> assertTrue(t.getValue().length() < 36, m.getId() + " is tagged with " + t)));
    }

    @Test
    void drillsAndReVerificationsCountAsPassedOrFailed() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RunMetrics metrics = new RunMetrics(registry);
        metrics.record(RunOutcome.of(run(RunType.DRILL, RunState.SUCCEEDED), List.of()));
        metrics.record(RunOutcome.of(run(RunType.DRILL, RunState.FAILED), List.of()));
        metrics.record(RunOutcome.of(run(RunType.VERIFY, RunState.FAILED), List.of()));
        metrics.record(RunOutcome.of(run(RunType.RESTORE, RunState.FAILED), List.of()));
        metrics.record(RunOutcome.of(run(RunType.DRILL, RunState.CANCELLED), List.of()));
        assertEquals(
                1,
                registry.get(MeterNames.VERIFICATIONS)
                        .tags("kind", "drill", "outcome", "passed")
                        .counter()
                        .count());
        assertEquals(
                1,
                registry.get(MeterNames.VERIFICATIONS)
                        .tags("kind", "drill", "outcome", "failed")
                        .counter()
                        .count());
        assertEquals(
                1,
                registry.get(MeterNames.VERIFICATIONS)
                        .tags("kind", "verify", "outcome", "failed")
                        .counter()
                        .count());
        assertEquals(
                1,
                registry.get(MeterNames.VERIFICATIONS)
                        .tags("kind", "drill", "outcome", "cancelled")
                        .counter()
                        .count(),
                "a drill an operator cancelled is not a failed one");
        assertEquals(4, registry.get(MeterNames.VERIFICATIONS).counters().size());
    }

    @Test
    void aDrillsRtoIsReadFromItsResultAndAnythingElseIsLeftOut() {
        assertEquals(Optional.of(45.5), CatalogSnapshot.rtoSeconds("{\"rtoMillis\":45500,\"rows\":3}"));
        assertEquals(Optional.empty(), CatalogSnapshot.rtoSeconds("{\"rows\":3}"));
        assertEquals(Optional.empty(), CatalogSnapshot.rtoSeconds("{\"rtoMillis\":\"soon\"}"));
        assertEquals(Optional.empty(), CatalogSnapshot.rtoSeconds("not json"));
        assertEquals(Optional.empty(), CatalogSnapshot.rtoSeconds(null));
    }

    @Test
    void theOutboxAgeIsMeasuredFromItsOldestRowAndIsZeroWhenEmpty() {
        Instant now = T0.plusSeconds(100);
        assertEquals(
                40.0,
                new CatalogSnapshot.Builder()
                        .outbox(3, Optional.of(T0.plusSeconds(60)), now)
                        .build()
                        .outboxOldestAgeSeconds());
        CatalogSnapshot empty =
                new CatalogSnapshot.Builder().outbox(0, Optional.empty(), now).build();
        assertEquals(0.0, empty.outboxOldestAgeSeconds());
        assertEquals(0, empty.outboxRows());
    }
}
