package io.lockstep.coordinator.check;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.catalog.CheckEntity;
import io.lockstep.coordinator.catalog.PlanSpec;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunPhase;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.coordinator.support.ManualSchedulingMessaging;
import io.lockstep.coordinator.support.TestTokens;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.UploadResult;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The check as the API offers it, over the real catalog and repository: started in the background (202), followed by
 * GET until DONE; a CONSISTENT backup whose dump is gone shows a warning, and a later check that finds it whole again
 * clears it. One check runs at a time; bad requests get clear errors.
 */
@QuarkusTest
@QuarkusTestResource(ManualSchedulingMessaging.class)
@ExtendWith(TestTokens.AsAdmin.class)
public class RepositoryCheckApiTest {

    @Inject
    RepositoryClient client;

    /** A check of a repository whose bucket does not exist fails (rightly): on a fresh machine no test made it yet. */
    @BeforeEach
    void repositoryBucketExists() {
        client.get().orElseThrow().ensureBucket();
    }

    @Test
    void aBackupWhoseDumpIsGoneIsNamedAndWarnedAboutUntilItIsWholeAgain() {
        BackupRepository repository = client.get().orElseThrow();
        repository.ensureBucket();
        UUID runId = UUID.randomUUID();
        String dumpKey = "runs/checked/" + runId + "/app/shop.dump";
        byte[] dump = "a dump".getBytes(StandardCharsets.UTF_8);
        UploadResult written = repository.put(dumpKey, dump);
        backup("checked", runId, written);
        repository.delete(dumpKey);

        JsonPath first = checkUntilDone();

        List<Map<String, Object>> problems = first.getList("summary.problemList");
        assertTrue(
                problems.stream()
                        .anyMatch(p -> "ARTIFACT_MISSING".equals(p.get("kind"))
                                && dumpKey.equals(p.get("key"))
                                && runId.toString().equals(p.get("run"))),
                first.prettify());
        assertTrue(first.getList("summary.affectedRuns").contains(runId.toString()), first.prettify());
        JsonPath run = given().get("/api/v1/runs/" + runId)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals("CONSISTENT", run.getString("state"));
        List<String> warnings = run.getList("warnings");
        assertEquals(1, warnings.size(), run.prettify());
        assertTrue(warnings.get(0).contains("ARTIFACT_MISSING " + dumpKey), warnings.toString());

        repository.put(dumpKey, dump);
        checkUntilDone();

        assertNull(given().get("/api/v1/runs/" + runId).jsonPath().getList("warnings"), "whole again: no warning");
        assertTrue(
                given().get("/api/v1/repository/checks")
                                .jsonPath()
                                .getList("id")
                                .size()
                        >= 2,
                "both checks are listed");
    }

    @Test
    void badRequestsAreRefusedClearly() {
        given().contentType("application/json")
                .body("{\"readData\": true, \"sample\": 0}")
                .post("/api/v1/repository/check")
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
        given().contentType("application/json")
                .body("{\"sample\": 50}")
                .post("/api/v1/repository/check")
                .then()
                .statusCode(400);
        given().get("/api/v1/repository/checks/not-an-id").then().statusCode(400);
        given().get("/api/v1/repository/checks/" + UUID.randomUUID()).then().statusCode(404);
    }

    @Test
    void oneCheckRunsAtATimeAndACheckWhoseCoordinatorWentSilentIsShownFailed() {
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

        given().contentType("application/json")
                .body("{}")
                .post("/api/v1/repository/check")
                .then()
                .statusCode(409)
                .contentType("application/problem+json");

        QuarkusTransaction.requiringNew()
                .run(() -> CheckEntity.update(
                        "progressAt = ?1 where id = ?2",
                        now.minus(RepositoryChecks.SILENT_AFTER).minusSeconds(1),
                        running));
        JsonPath silent = given().get("/api/v1/repository/checks/" + running).jsonPath();
        assertEquals("FAILED", silent.getString("state"), silent.prettify());
        assertTrue(silent.getString("error").contains("stopped reporting progress"), silent.prettify());
        assertEquals("DONE", checkUntilDone().getString("state"), "a new check may start");
    }

    static JsonPath checkUntilDone() {
        String id = given().contentType("application/json")
                .body("{\"readData\": true}")
                .post("/api/v1/repository/check")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        return await("check " + id)
                .atMost(Duration.ofSeconds(60))
                .until(
                        () -> given().get("/api/v1/repository/checks/" + id).jsonPath(),
                        c -> !"RUNNING".equals(c.getString("state")));
    }

    /** A CONSISTENT backup of the plan whose one PostgreSQL step wrote {@code dump} (schedule/CheckSchedulesTest too). */
    public static void backup(String plan, UUID runId, UploadResult dump) {
        Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> {
            RunEntity run = new RunEntity();
            run.id = runId;
            run.plan = plan;
            run.type = RunType.BACKUP;
            run.state = RunState.CONSISTENT;
            run.phase = RunPhase.DONE;
            run.planSpec = new PlanSpec(List.of("app"), null, null, null, null, null, null, null);
            run.createdAt = at;
            run.startedAt = at;
            run.endedAt = at;
            run.persist();
            StepEntity step = new StepEntity();
            step.id = UUID.randomUUID();
            step.runId = runId;
            step.store = "app";
            step.storeKind = StoreKind.POSTGRES;
            step.action = StepAction.BACKUP;
            step.database = "shop";
            step.state = StepState.SUCCEEDED;
            step.artifact = dump.key();
            step.bytes = dump.bytes();
            step.sha256 = dump.sha256();
            step.createdAt = at;
            step.endedAt = at;
            step.persist();
        });
    }
}
