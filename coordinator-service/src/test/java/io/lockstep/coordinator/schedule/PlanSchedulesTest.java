package io.lockstep.coordinator.schedule;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.catalog.PlanScheduleEntity;
import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunPhase;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.support.AgentEventsDriver;
import io.lockstep.coordinator.support.ManualSchedulingMessaging;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.PlanEvent;
import io.lockstep.protocol.StoreKind;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySink;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler over the real catalog, driven with chosen instants (its own timer is off): slots fire once even when
 * two schedulers race, a coordinator that was down catches up with one run, skips are recorded, staleness alarms once.
 */
@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(io.lockstep.coordinator.support.TestTokens.AsAdmin.class)
@QuarkusTestResource(ManualSchedulingMessaging.class)
class PlanSchedulesTest {

    @Inject
    @Any
    InMemoryConnector connector;

    @Inject
    PlanSchedules schedules;

    InMemorySink<String> outbox;
    AgentEventsDriver agents;
    String store;
    final ExecutorService racers = Executors.newFixedThreadPool(2);

    @BeforeEach
    void setUp() {
        outbox = connector.sink("outbox");
        outbox.clear();
        agents = new AgentEventsDriver(connector.source("agent-events"), outbox);
        store = "sched-" + UUID.randomUUID().toString().substring(0, 8);
        agents.heartbeat("agent-" + store, StoreKind.POSTGRES, store, List.of("app"), Instant.now());
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        given().get("/api/v1/stores").jsonPath().getList("id").contains(store));
    }

    @AfterEach
    void tearDown() {
        racers.shutdownNow();
    }

    @Test
    void aDueSlotFiresExactlyOnceWhenTwoSchedulersRaceOnOneCatalog() throws Exception {
        List<String> plans = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            plans.add(plan("race" + i, "@hourly", null));
        }
        Instant slot = nextFire(plans.get(0));
        plans.forEach(p -> assertEquals(slot, nextFire(p)));

        CountDownLatch start = new CountDownLatch(1);
        Callable<List<PlanSchedules.Firing>> racer = () -> {
            start.await();
            return schedules.fireDue(slot.plusSeconds(1));
        };
        Future<List<PlanSchedules.Firing>> first = racers.submit(racer);
        Future<List<PlanSchedules.Firing>> second = racers.submit(racer);
        start.countDown();
        List<PlanSchedules.Firing> firings = new ArrayList<>(first.get());
        firings.addAll(second.get());

        for (String plan : plans) {
            assertEquals(1, firings.stream().filter(f -> f.plan().equals(plan)).count(), plan + " fired " + firings);
            assertEquals(1, runsOf(plan).size(), "runs of " + plan);
            assertEquals(slot.plus(Duration.ofHours(1)), nextFire(plan));
        }
        assertTrue(firings.stream().noneMatch(PlanSchedules.Firing::skipped));
        assertTrue(
                schedules.fireDue(slot.plusSeconds(2)).stream().noneMatch(f -> plans.contains(f.plan())),
                "a slot already fired must not fire again");
    }

    @Test
    void aCoordinatorThatWasDownStartsOneCatchUpRunForAllMissedSlots() {
        String plan = plan("catchup", "@hourly", null);
        Instant slot = nextFire(plan);
        Instant back = slot.plus(Duration.ofHours(5)).plus(Duration.ofMinutes(10));

        List<PlanSchedules.Firing> firings = mine(schedules.fireDue(back), plan);

        assertEquals(1, firings.size());
        assertEquals(5, firings.get(0).missedSlots());
        assertEquals(1, runsOf(plan).size());
        assertEquals("scheduled", runsOf(plan).get(0).label);
        assertEquals(slot.plus(Duration.ofHours(6)), nextFire(plan));
    }

    @Test
    void aSlotWhileThePreviousRunIsStillGoingIsSkippedAndRecorded() {
        String plan = plan("skip", "@hourly", null);
        Instant slot = nextFire(plan);
        List<PlanSchedules.Firing> started = mine(schedules.fireDue(slot), plan);
        UUID running = started.get(0).runId();
        assertEquals(RunState.RUNNING, runsOf(plan).get(0).state);

        List<PlanSchedules.Firing> next = mine(schedules.fireDue(slot.plus(Duration.ofHours(1))), plan);

        assertEquals(1, next.size());
        assertTrue(next.get(0).skipped());
        assertEquals(1, runsOf(plan).size(), "no second run while the first is going");
        PlanEvent skipped = awaitPlanEvent(EventTypes.RUN_SKIPPED, plan);
        assertEquals(running, skipped.runId());
        assertTrue(skipped.reason().contains(running.toString()), skipped.reason());
    }

    @Test
    void changingTheScheduleRecomputesTheNextFireTime() {
        String plan = plan("change", "0 4 * * *", null);
        Instant daily = nextFire(plan);
        assertEquals(4, daily.atZone(java.time.ZoneOffset.UTC).getHour());

        plan("change", "30 5 * * *", "Asia/Tokyo");
        Instant tokyo = nextFire(plan);
        assertEquals(5, tokyo.atZone(java.time.ZoneId.of("Asia/Tokyo")).getHour());
        assertEquals(30, tokyo.atZone(java.time.ZoneId.of("Asia/Tokyo")).getMinute());

        plan("change", null, null);
        assertFalse(QuarkusTransaction.requiringNew()
                .call(() -> PlanScheduleEntity.findByIdOptional(plan).isPresent()));
    }

    @Test
    void aPlanWithNoRecentConsistentRunRaisesOneStaleAlarmPerEpisode() {
        String plan = plan("stale", "@hourly", null);
        Instant later = Instant.now().plus(Duration.ofHours(3));

        List<PlanEvent> raised = alarmsOf(schedules.checkStaleness(later), plan);
        assertEquals(1, raised.size());
        assertTrue(
                raised.get(0).reason().contains("no CONSISTENT run"),
                raised.get(0).reason());
        assertEquals(plan, awaitPlanEvent(EventTypes.PLAN_STALE, plan).plan());

        assertEquals(
                List.of(),
                alarmsOf(schedules.checkStaleness(later.plus(Duration.ofHours(1))), plan),
                "still the same stale episode: no second alarm");

        consistentRun(plan, later.plus(Duration.ofMinutes(70)));
        assertEquals(List.of(), alarmsOf(schedules.checkStaleness(later.plus(Duration.ofMinutes(80))), plan));
        assertEquals(
                1,
                alarmsOf(schedules.checkStaleness(later.plus(Duration.ofHours(5))), plan)
                        .size(),
                "a new episode after the plan was healthy again");
    }

    @Test
    void aHealthyPlanRaisesNoStaleAlarm() {
        String plan = plan("healthy", "@hourly", null);
        Instant later = Instant.now().plus(Duration.ofHours(3));
        consistentRun(plan, later.minus(Duration.ofMinutes(50)));

        assertEquals(List.of(), alarmsOf(schedules.checkStaleness(later), plan));
    }

    // ---------------------------------------------------------------- helpers

    String plan(String name, String schedule, String timezone) {
        String plan = name + "-" + store;
        String body =
                "{\"stores\": [\"" + store + "\"]" + (schedule == null ? "" : ", \"schedule\": \"" + schedule + "\"")
                        + (timezone == null ? "" : ", \"timezone\": \"" + timezone + "\"") + "}";
        given().contentType("application/json")
                .body(body)
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(org.hamcrest.Matchers.anyOf(org.hamcrest.Matchers.is(200), org.hamcrest.Matchers.is(201)));
        return plan;
    }

    static Instant nextFire(String plan) {
        return QuarkusTransaction.requiringNew()
                .call(() -> PlanScheduleEntity.<PlanScheduleEntity>findById(plan).nextFireAt);
    }

    static List<RunEntity> runsOf(String plan) {
        return QuarkusTransaction.requiringNew().call(() -> RunEntity.<RunEntity>list("plan", plan));
    }

    static void consistentRun(String plan, Instant endedAt) {
        QuarkusTransaction.requiringNew().run(() -> {
            RunEntity run = new RunEntity();
            run.id = UUID.randomUUID();
            run.plan = plan;
            run.type = RunType.BACKUP;
            run.state = RunState.CONSISTENT;
            run.phase = RunPhase.DONE;
            run.planSpec = new PlanSpec(List.of(), null, null, null, null, null, null, null);
            run.createdAt = endedAt.minusSeconds(60).truncatedTo(ChronoUnit.MICROS);
            run.startedAt = run.createdAt;
            run.consistencyPoint = endedAt.minusSeconds(30).truncatedTo(ChronoUnit.MICROS);
            run.endedAt = endedAt.truncatedTo(ChronoUnit.MICROS);
            run.manifestWrittenAt = run.endedAt;
            run.persist();
        });
    }

    static List<PlanSchedules.Firing> mine(List<PlanSchedules.Firing> firings, String plan) {
        return firings.stream().filter(f -> f.plan().equals(plan)).toList();
    }

    static List<PlanEvent> alarmsOf(List<PlanEvent> events, String plan) {
        return events.stream().filter(e -> e.plan().equals(plan)).toList();
    }

    PlanEvent awaitPlanEvent(String type, String plan) {
        return await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> outbox.received().stream()
                                .map(m -> EventCodec.decode(m.getPayload()))
                                .filter(e -> type.equals(e.type()))
                                .map(e -> EventCodec.payload(e, PlanEvent.class))
                                .filter(e -> plan.equals(e.plan()))
                                .findFirst()
                                .orElse(null),
                        java.util.Objects::nonNull);
    }
}
