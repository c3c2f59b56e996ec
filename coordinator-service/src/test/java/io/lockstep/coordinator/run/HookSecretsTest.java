package io.lockstep.coordinator.run;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.lockstep.coordinator.catalog.PlanEntity;
import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunPhase;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.coordinator.support.AgentEventsDriver;
import io.lockstep.coordinator.support.InMemoryMessaging;
import io.lockstep.coordinator.support.ManualSchedulingMessaging;
import io.lockstep.coordinator.support.TestTokens;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StepEvents;
import io.lockstep.protocol.StoreKind;
import io.lockstep.repository.BackupRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySink;
import io.smallrye.reactive.messaging.memory.InMemorySource;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A plan's hook URLs carry credentials (user info, a query token). Only the catalog keeps them whole: the API shows
 * them redacted to every role (plans, runs, a failed hook's error), run.json in the repository holds them redacted,
 * the audit log never has them, and a plan read from the API and written back keeps its hooks' credentials.
 */
@QuarkusTest
@org.junit.jupiter.api.extension.ExtendWith(TestTokens.AsAdmin.class)
@QuarkusTestResource(ManualSchedulingMessaging.class)
class HookSecretsTest {

    private static final List<String> SECRETS = List.of("hunter2-hook", "t0ken-hook", "sig-hook", "ops-user");

    @Inject
    @Any
    InMemoryConnector connector;

    @Inject
    RepositoryClient client;

    InMemorySource<String> agentEvents;
    AgentEventsDriver agents;
    String sql;
    String plan;
    HttpServer hooks;
    final List<String> calls = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        agentEvents = connector.source("agent-events");
        InMemorySink<String> outbox = connector.sink("outbox");
        agents = new AgentEventsDriver(agentEvents, outbox);
        String id = UUID.randomUUID().toString().substring(0, 8);
        sql = "sql-" + id;
        plan = "hooks-" + id;
        agents.heartbeat("pg-" + id, StoreKind.POSTGRES, sql, List.of("orders"), Instant.now());
        agents.drain();
        hooks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hooks.createContext("/", exchange -> {
            calls.add(exchange.getRequestURI().toString());
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().contains("broken") ? 500 : 204, -1);
            exchange.close();
        });
        hooks.start();
        client.get().orElseThrow().ensureBucket();
    }

    @AfterEach
    void tearDown() {
        hooks.stop(0);
    }

    String base() {
        return "http://127.0.0.1:" + hooks.getAddress().getPort();
    }

    String stopHook() {
        return base() + "/broken?token=t0ken-hook";
    }

    String startHook() {
        return "http://ops-user:hunter2-hook@127.0.0.1:" + hooks.getAddress().getPort() + "/start?sig=sig-hook";
    }

    String planBody() {
        return "{\"stores\": [\"" + sql + "\"], \"hooks\": {\"stopDependents\": \"" + stopHook()
                + "\", \"startDependents\": {\"url\": \"" + startHook() + "\"}}}";
    }

    @Test
    void noHookCredentialReachesAViewerRunJsonOrTheAuditLog() throws Exception {
        String put = given().contentType("application/json")
                .body(planBody())
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(201)
                .extract()
                .asString();
        assertNoSecret("the PUT answer, even an admin's", put);

        UUID backup = consistentBackup();
        String restore = given().contentType("application/json")
                .body("{}")
                .post("/api/v1/runs/" + backup + "/restore")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        StepCommand check = awaitCommand(restore, StepAction.VERIFY);
        succeed(check);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "FAILED"
                        .equals(asViewer()
                                .get("/api/v1/runs/" + restore)
                                .jsonPath()
                                .getString("state")));
        assertTrue(calls.contains("/broken?token=t0ken-hook"), "the stop hook got its whole URL: " + calls);
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.stream().anyMatch(c -> c.startsWith("/start")));
        assertTrue(calls.contains("/start?sig=sig-hook"), "the start hook got its whole URL: " + calls);

        JsonPath restoreView = asViewer()
                .get("/api/v1/runs/" + restore)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(
                "the stopDependents hook " + base() + "/broken answered 500; nothing was restored",
                restoreView.getString("error"));
        for (String path : List.of(
                "/api/v1/plans",
                "/api/v1/plans/" + plan,
                "/api/v1/runs?plan=" + plan,
                "/api/v1/runs/" + restore,
                "/api/v1/runs/" + backup)) {
            assertNoSecret(
                    "viewer GET " + path,
                    asViewer().get(path).then().statusCode(200).extract().asString());
        }
        JsonPath shown = asViewer().get("/api/v1/plans/" + plan).jsonPath();
        assertEquals(base() + "/broken", shown.getString("hooks.stopDependents"));
        assertEquals(base() + "/start", shown.getString("hooks.startDependents.url"));

        BackupRepository repository = client.get().orElseThrow();
        for (String run : List.of(restore, backup.toString())) {
            String key = "runs/" + plan + "/" + run + "/run.json";
            await("run.json of " + run).atMost(Duration.ofSeconds(30)).until(() -> repository.exists(key));
            String runJson;
            try (InputStream in = repository.open(key)) {
                runJson = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(runJson.contains(base() + "/broken"), "run.json records the plan's hooks: " + runJson);
            assertNoSecret("run.json of " + run, runJson);
        }
        assertNoSecret(
                "the audit log",
                given().get("/api/v1/audit?targetKind=plan&targetId=" + plan)
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString());
    }

    @Test
    void aPlanReadAndWrittenBackKeepsItsHookCredentialsWhileANewUrlReplacesThem() {
        given().contentType("application/json")
                .body(planBody())
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(201);
        JsonPath read =
                asOperator().get("/api/v1/plans/" + plan).then().extract().jsonPath();
        String roundTrip = "{\"stores\": [\"" + sql + "\"], \"hooks\": {\"stopDependents\": \""
                + read.getString("hooks.stopDependents") + "\", \"startDependents\": {\"url\": \""
                + read.getString("hooks.startDependents.url") + "\"}}, \"schedule\": \"@daily\"}";
        String answer = asOperator()
                .contentType("application/json")
                .body(roundTrip)
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertNoSecret("the operator's PUT answer", answer);
        assertEquals(stopHook(), stored("stopDependents"));
        assertEquals(startHook(), stored("startDependents"));
        assertEquals(
                "@daily",
                QuarkusTransaction.requiringNew()
                        .call(() -> PlanEntity.<PlanEntity>findById(plan).spec.schedule()));

        asOperator()
                .contentType("application/json")
                .body("{\"stores\": [\"" + sql + "\"], \"hooks\": {\"stopDependents\": \"" + base() + "/other\"}}")
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(200);
        assertEquals(base() + "/other", stored("stopDependents"));
        assertEquals(null, stored("startDependents"));
    }

    @Test
    void aHookUrlWithoutAHostIsRefused() {
        given().contentType("application/json")
                .body("{\"stores\": [\"" + sql + "\"], \"hooks\": {\"stopDependents\": \"http://bad host/x\"}}")
                .put("/api/v1/plans/" + plan)
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
    }

    // ------------------------------------------------------------------ helpers

    static io.restassured.specification.RequestSpecification asViewer() {
        return given().header("Authorization", "Bearer " + TestTokens.VIEWER);
    }

    static io.restassured.specification.RequestSpecification asOperator() {
        return given().header("Authorization", "Bearer " + TestTokens.OPERATOR);
    }

    static void assertNoSecret(String where, String text) {
        for (String secret : SECRETS) {
            assertFalse(text.contains(secret), where + " shows " + secret + ": " + text);
        }
    }

    String stored(String hook) {
        return QuarkusTransaction.requiringNew()
                .call(() -> PlanEntity.<PlanEntity>findById(plan).spec.hook(hook));
    }

    /** A CONSISTENT backup of the plan's database, with the plan's spec as the catalog holds it. */
    UUID consistentBackup() {
        UUID id = UUID.randomUUID();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
        String artifact = "runs/" + plan + "/" + id + "/" + sql + "/orders.dump";
        QuarkusTransaction.requiringNew().run(() -> {
            RunEntity run = new RunEntity();
            run.id = id;
            run.plan = plan;
            run.type = RunType.BACKUP;
            run.state = RunState.CONSISTENT;
            run.phase = RunPhase.DONE;
            run.planSpec = PlanEntity.<PlanEntity>findById(plan).spec;
            run.createdAt = at;
            run.startedAt = at;
            run.endedAt = at;
            run.consistencyPoint = at;
            run.persist();
            StepEntity step = new StepEntity();
            step.id = UUID.randomUUID();
            step.runId = id;
            step.seq = 0;
            step.store = sql;
            step.storeKind = StoreKind.POSTGRES;
            step.action = StepAction.BACKUP;
            step.database = "orders";
            step.state = StepState.SUCCEEDED;
            step.artifact = artifact;
            step.sha256 = "sha-" + sql;
            step.bytes = 1000L;
            step.evidence = Map.of("censusArtifact", "census-" + sql, "censusSha256", "c");
            step.createdAt = at;
            step.persist();
        });
        client.get().orElseThrow().put(artifact, "artifact".getBytes(StandardCharsets.UTF_8));
        return id;
    }

    StepCommand awaitCommand(String runId, StepAction action) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> commands(runId, action).size() > 0);
        return commands(runId, action).get(0);
    }

    List<StepCommand> commands(String runId, StepAction action) {
        return agents.commands(InMemoryMessaging.TOPICS.name("lockstep.commands.")).stream()
                .filter(c -> c.runId().toString().equals(runId) && c.action() == action)
                .toList();
    }

    void succeed(StepCommand command) {
        agents.sendAsStepAgent(
                EventTypes.STEP_SUCCEEDED,
                new StepEvents.Succeeded(
                        command.runId(),
                        command.stepId(),
                        10,
                        "sha",
                        command.artifact(),
                        Instant.now(),
                        Instant.now(),
                        Map.of()));
    }
}
