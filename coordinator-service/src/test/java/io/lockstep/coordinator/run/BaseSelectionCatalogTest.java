package io.lockstep.coordinator.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunPhase;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.coordinator.support.InMemoryMessaging;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link BaseSelection} reading the real catalog: the query finds what the rules need. */
@QuarkusTest
@QuarkusTestResource(InMemoryMessaging.class)
class BaseSelectionCatalogTest {

    String store;
    Instant t;

    @BeforeEach
    void setUp() {
        store = "base-" + UUID.randomUUID().toString().substring(0, 8);
        t = Instant.now().truncatedTo(ChronoUnit.MICROS).minusSeconds(3600);
    }

    @Test
    void theNewestVerifiedCopyOfARunNotFailedIsTheBase() {
        run("nightly", RunState.CONSISTENT, StepState.SUCCEEDED, StepState.SUCCEEDED, 1, "m1", false);
        run("nightly", RunState.FAILED, StepState.SUCCEEDED, StepState.FAILED, 2, "m2-blobs-missing", false);
        run("nightly", RunState.FAILED, StepState.SUCCEEDED, StepState.SUCCEEDED, 3, "m3-failed-elsewhere", false);
        run("hourly", RunState.VERIFYING, StepState.SUCCEEDED, StepState.SUCCEEDED, 4, "m4-hourly-verifying", false);
        run("nightly", RunState.CONSISTENT, StepState.SUCCEEDED, StepState.SUCCEEDED, 5, "m5-expiring", true);
        run("nightly", RunState.RUNNING, StepState.RUNNING, null, 6, "m6-copying", false);

        assertEquals(Optional.of("m1"), base("nightly"), "another plan's run still VERIFYING is not");
        assertEquals(Optional.of("m4-hourly-verifying"), base("hourly"), "its own run, once the store verified, is");
        assertEquals(Optional.of("m1"), base("weekly"), "another plan's CONSISTENT run is a base");

        run("hourly", RunState.CONSISTENT, StepState.SUCCEEDED, StepState.SUCCEEDED, 7, "m7", false);
        assertEquals(Optional.of("m7"), base("nightly"));
        run("nightly", RunState.VERIFYING, StepState.SUCCEEDED, StepState.SUCCEEDED, 8, "m8-own-verified", false);
        assertEquals(Optional.of("m8-own-verified"), base("nightly"));
        assertEquals(Optional.of("m7"), base("hourly"));
    }

    @Test
    void aStoreNeverCopiedHasNoBase() {
        assertEquals(Optional.empty(), base("nightly"));
    }

    Optional<String> base(String plan) {
        return QuarkusTransaction.requiringNew().call(() -> BaseSelection.manifestFor(plan, store));
    }

    void run(
            String plan,
            RunState state,
            StepState copy,
            StepState verify,
            int minutes,
            String manifest,
            boolean expiring) {
        Instant at = t.plusSeconds(60L * minutes);
        QuarkusTransaction.requiringNew().run(() -> {
            RunEntity run = new RunEntity();
            run.id = UUID.randomUUID();
            run.plan = plan;
            run.type = RunType.BACKUP;
            run.state = state;
            run.phase = state.terminal() ? RunPhase.DONE : RunPhase.VERIFYING;
            run.planSpec = new PlanSpec(List.of(store), null, null, null, null, null, null, null);
            run.createdAt = at.minusSeconds(30);
            run.startedAt = run.createdAt;
            run.expiringAt = expiring ? at : null;
            run.persist();
            step(run, 0, StepAction.BACKUP, copy, manifest, at);
            if (verify != null) {
                step(run, 1, StepAction.VERIFY, verify, manifest, at.plusSeconds(10));
            }
        });
    }

    void step(RunEntity run, int seq, StepAction action, StepState state, String artifact, Instant endedAt) {
        StepEntity step = new StepEntity();
        step.id = UUID.randomUUID();
        step.runId = run.id;
        step.seq = seq;
        step.store = store;
        step.storeKind = StoreKind.OBJECTSTORE;
        step.action = action;
        step.state = state;
        step.artifact = artifact;
        step.createdAt = run.createdAt;
        step.dispatchedAt = run.createdAt;
        step.endedAt = state == StepState.RUNNING ? null : endedAt;
        step.persist();
    }
}
