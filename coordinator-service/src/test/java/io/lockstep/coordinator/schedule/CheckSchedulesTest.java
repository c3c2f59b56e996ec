package io.lockstep.coordinator.schedule;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.catalog.CheckEntity;
import io.lockstep.coordinator.catalog.PlanCheckScheduleEntity;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.check.RepositoryCheckApiTest;
import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.coordinator.support.AgentEventsDriver;
import io.lockstep.coordinator.support.ManualSchedulingMessaging;
import io.lockstep.coordinator.support.TestTokens;
import io.lockstep.protocol.StoreKind;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.UploadResult;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A plan's scheduled repository check over the real catalog and repository, driven with chosen instants (the timer is
 * off): a due slot starts one check however many schedulers race, the check covers the plan's backups only and is
 * recorded like a manual one, a slot waits while another check runs, and bad settings are refused with 400.
 */
@QuarkusTest
@QuarkusTestResource(ManualSchedulingMessaging.class)
@ExtendWith(TestTokens.AsAdmin.class)
class CheckSchedulesTest {

    @Inject
    @Any
    InMemoryConnector connector;

    @Inject
    CheckSchedules schedules;

    @Inject
    RepositoryClient client;

    String store;
    final List<String> plans = new ArrayList<>();
    final ExecutorService racers = Executors.newFixedThreadPool(2);

    @BeforeEach
    void setUp() {
        AgentEventsDriver agents = new AgentEventsDriver(connector.source("agent-events"), connector.sink("outbox"));
        store = "chk-" + UUID.randomUUID().toString().substring(0, 8);
        agents.heartbeat("agent-" + store, StoreKind.POSTGRES, store, List.of("app"), Instant.now());
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        given().get("/api/v1/stores").jsonPath().getList("id").contains(store));
    }

    @AfterEach
    void tearDown() {
        racers.shutdownNow();
        // later whole-repository checks of other tests need not know these backups
        Instant now = Instant.now();
        QuarkusTransaction.requiringNew().run(() -> {
            RunEntity.update("expiredAt = ?1 where plan in ?2", now, plans);
            PlanCheckScheduleEntity.delete("plan in ?1", plans);
        });
    }

    @Test
    void aDueCheckStartsOnceAcrossRacingSchedulersAndChecksThePlansBackupsOnly() throws Exception {
        String plan = plan("nightly", "{\"schedule\": \"@hourly\", \"readData\": true}");
        String other = plan("other", null);
        BackupRepository repository = client.get().orElseThrow();
        repository.ensureBucket();
        UUID whole = backup(plan, repository, true);
        UUID lost = backup(plan, repository, false);
        UUID othersLost = backup(other, repository, false);
        Instant slot = nextFire(plan);

        CountDownLatch start = new CountDownLatch(1);
        Callable<List<CheckSchedules.Firing>> racer = () -> {
            start.await();
            return schedules.fireDue(slot.plusSeconds(1));
        };
        Future<List<CheckSchedules.Firing>> first = racers.submit(racer);
        Future<List<CheckSchedules.Firing>> second = racers.submit(racer);
        start.countDown();
        List<CheckSchedules.Firing> firings = new ArrayList<>(first.get());
        firings.addAll(second.get());

        List<CheckSchedules.Firing> mine =
                firings.stream().filter(f -> f.plan().equals(plan)).toList();
        assertEquals(1, mine.size(), "fired " + firings);
        UUID checkId = mine.get(0).checkId();
        assertNotNull(checkId, "the check started");
        assertEquals(slot, mine.get(0).slot());
        assertEquals(slot.plus(Duration.ofHours(1)), nextFire(plan));
        assertEquals(1, checksOf(plan).size());

        JsonPath check = await("scheduled check " + checkId)
                .atMost(Duration.ofSeconds(60))
                .until(
                        () -> given().get("/api/v1/repository/checks/" + checkId)
                                .jsonPath(),
                        c -> !"RUNNING".equals(c.getString("state")));
        assertEquals("DONE", check.getString("state"), check.prettify());
        assertEquals(plan, check.getString("plan"));
        assertEquals("schedule of plan " + plan, check.getString("requestedBy"));
        assertTrue(check.getBoolean("readData"));
        List<String> affected = check.getList("summary.affectedRuns");
        assertEquals(List.of(lost.toString()), affected, check.prettify());
        List<Map<String, Object>> problems = check.getList("summary.problemList");
        assertTrue(
                problems.stream().anyMatch(p -> "ARTIFACT_MISSING".equals(p.get("kind"))),
                "the lost dump of the plan is found: " + check.prettify());
        assertTrue(!affected.contains(othersLost.toString()) && !affected.contains(whole.toString()));
        assertEquals(
                1,
                given().get("/api/v1/runs/" + lost)
                        .jsonPath()
                        .getList("warnings")
                        .size(),
                "the damaged backup carries a warning, as after a manual check");

        assertTrue(
                schedules.fireDue(slot.plusSeconds(2)).stream()
                        .noneMatch(f -> f.plan().equals(plan)),
                "a slot already fired must not fire again");
        JsonPath shown = given().get("/api/v1/plans/" + plan).jsonPath();
        assertEquals("@hourly", shown.getString("check.schedule"));
        assertEquals(100, shown.getInt("check.samplePercent"));
        assertEquals(checkId.toString(), shown.getString("check.lastCheckId"));
        assertEquals("DONE", shown.getString("check.lastCheckState"));
        assertEquals(3, shown.getList("check.nextChecks").size());
        assertNull(given().get("/api/v1/plans/" + other).jsonPath().get("check"));
    }

    @Test
    void aDueCheckWaitsWhileAnotherCheckRunsThenStartsOnce() {
        String plan = plan("waits", "{\"schedule\": \"@daily\"}");
        Instant slot = nextFire(plan);
        UUID running = UUID.randomUUID();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> {
            CheckEntity c = new CheckEntity();
            c.id = running;
            c.state = CheckEntity.RUNNING;
            c.samplePercent = 100;
            c.createdAt = now;
            c.progressAt = now;
            c.persist();
        });
        try {
            List<CheckSchedules.Firing> waited = mine(schedules.fireDue(slot.plusSeconds(5)), plan);
            assertEquals(1, waited.size());
            assertNull(waited.get(0).checkId(), "no second check while one runs");
            assertEquals(slot, nextFire(plan), "the slot stays due");
            assertEquals(List.of(), checksOf(plan));
        } finally {
            QuarkusTransaction.requiringNew()
                    .run(() -> CheckEntity.update("state = ?1 where id = ?2", CheckEntity.DONE, running));
        }
        List<CheckSchedules.Firing> fired = mine(schedules.fireDue(slot.plus(Duration.ofHours(30))), plan);
        assertEquals(1, fired.size(), "one check for the waiting slot and the ones missed since");
        assertNotNull(fired.get(0).checkId());
        assertEquals(1, checksOf(plan).size());
        await().atMost(Duration.ofSeconds(60))
                .until(() -> !"RUNNING"
                        .equals(given().get("/api/v1/repository/checks/"
                                        + fired.get(0).checkId())
                                .jsonPath()
                                .getString("state")));
    }

    @Test
    void aChangedOrRemovedCheckMovesOrDropsItsSchedule() {
        String plan = plan("moves", "{\"schedule\": \"0 4 * * *\"}");
        assertNextFireIsTheNext(plan, LocalTime.of(4, 0));
        plan("moves", "{\"schedule\": \"30 5 * * *\"}");
        assertNextFireIsTheNext(plan, LocalTime.of(5, 30));
        plan("moves", null);
        assertNull(QuarkusTransaction.requiringNew().call(() -> PlanCheckScheduleEntity.findById(plan)));
    }

    @Test
    void badCheckSettingsAreRefusedWith400LikeEveryInvalidField() {
        for (String check : List.of(
                "{\"schedule\": \"61 * * * *\"}",
                "{\"schedule\": \"every day\"}",
                "{\"readData\": true}",
                "{\"schedule\": \"@daily\", \"readData\": true, \"samplePercent\": 0}",
                "{\"schedule\": \"@daily\", \"readData\": true, \"samplePercent\": 101}",
                "{\"schedule\": \"@daily\", \"samplePercent\": 10}")) {
            given().contentType("application/json")
                    .body("{\"stores\": [\"" + store + "\"], \"check\": " + check + "}")
                    .put("/api/v1/plans/bad-check-" + store)
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("detail", Matchers.containsString("check"));
        }
    }

    // ---------------------------------------------------------------- helpers

    String plan(String name, String check) {
        String plan = name + "-" + store;
        plans.add(plan);
        given().contentType("application/json")
                .body("{\"stores\": [\"" + store + "\"]" + (check == null ? "" : ", \"check\": " + check) + "}")
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(Matchers.anyOf(Matchers.is(200), Matchers.is(201)));
        return plan;
    }

    /**
     * The plan's next slot is the first {@code time} of day in its zone after now (compared as a time of day, not as
     * a distance from another slot: 04:00 and 05:30 are 22 h 30 min apart between those two hours).
     */
    static void assertNextFireIsTheNext(String plan, LocalTime time) {
        Instant now = Instant.now();
        PlanCheckScheduleEntity row = QuarkusTransaction.requiringNew()
                .call(() -> PlanCheckScheduleEntity.<PlanCheckScheduleEntity>findById(plan));
        ZonedDateTime next = row.nextFireAt.atZone(ZoneId.of(row.timezone));
        assertEquals(time, next.toLocalTime(), "the slot's time of day in " + row.timezone);
        assertTrue(
                next.toInstant().isAfter(now.minus(Duration.ofMinutes(1)))
                        && next.toInstant().isBefore(now.plus(Duration.ofHours(25))),
                "the first such slot from now, not a later one: " + next);
    }

    static Instant nextFire(String plan) {
        return QuarkusTransaction.requiringNew()
                .call(() -> PlanCheckScheduleEntity.<PlanCheckScheduleEntity>findById(plan).nextFireAt);
    }

    static List<CheckEntity> checksOf(String plan) {
        return QuarkusTransaction.requiringNew().call(() -> CheckEntity.<CheckEntity>list("plan", plan));
    }

    static List<CheckSchedules.Firing> mine(List<CheckSchedules.Firing> firings, String plan) {
        return firings.stream().filter(f -> f.plan().equals(plan)).toList();
    }

    /** A CONSISTENT backup of the plan with a dump in the repository, or whose dump is gone ({@code kept} false). */
    static UUID backup(String plan, BackupRepository repository, boolean kept) {
        UUID runId = UUID.randomUUID();
        String key = "runs/" + plan + "/" + runId + "/app/shop.dump";
        UploadResult dump = repository.put(key, ("dump of " + runId).getBytes(StandardCharsets.UTF_8));
        if (!kept) {
            repository.delete(key);
        }
        RepositoryCheckApiTest.backup(plan, runId, dump);
        return runId;
    }
}
