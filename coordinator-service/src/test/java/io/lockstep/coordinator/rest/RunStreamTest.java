package io.lockstep.coordinator.rest;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockstep.coordinator.support.AgentEventsDriver;
import io.lockstep.coordinator.support.Backups;
import io.lockstep.coordinator.support.InMemoryMessaging;
import io.lockstep.coordinator.support.TestTokens;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StepEvents;
import io.lockstep.protocol.StoreKind;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySource;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The run's event stream ({@code GET /runs/{id}/events}) sends the run at once and again when a step reports progress
 * (bytes and objects), and ends when the run ended; {@code POST /runs/{id}/cancel} ends a running backup CANCELLED,
 * cancels its running step at its agent, and is refused to a viewer and once the run ended. Driven through agent
 * events over the real catalog.
 */
@QuarkusTest
@QuarkusTestResource(InMemoryMessaging.class)
@ExtendWith(TestTokens.AsAdmin.class)
class RunStreamTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    @Any
    InMemoryConnector connector;

    @TestHTTPResource("/api/v1/runs/")
    URL runs;

    InMemorySource<String> agentEvents;
    AgentEventsDriver agents;
    String store;
    String agentId;

    @BeforeEach
    void setUp() {
        agentEvents = connector.source("agent-events");
        agents = new AgentEventsDriver(agentEvents, connector.sink("outbox"));
        store = "stream-" + UUID.randomUUID().toString().substring(0, 8);
        agentId = "agent-" + store;
        agents.heartbeat(agentId, StoreKind.POSTGRES, store, List.of("app"), Instant.now());
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        given().get("/api/v1/stores").jsonPath().getList("id").contains(store));
        given().contentType("application/json")
                .body("{\"stores\": [\"" + store + "\"]}")
                .put("/api/v1/plans/plan-" + store)
                .then()
                .statusCode(201);
    }

    @Test
    void theStreamFollowsProgressAndEndsWithTheCancelledRun() throws Exception {
        String runId = startBackup();
        List<JsonNode> received = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> stream = follow(runId, received);
        await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
        assertEquals(runId, received.get(0).path("id").asText(), "the run is sent at once");

        StepCommand capture = awaitCapture();
        send(
                EventTypes.STEP_ACCEPTED,
                capture,
                new StepEvents.Accepted(capture.runId(), capture.stepId(), agentId, Instant.now()));
        send(
                EventTypes.STEP_PROGRESS,
                capture,
                new StepEvents.Progress(capture.runId(), capture.stepId(), 4096, 7, Instant.now()));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> received.stream().anyMatch(run -> items(run, capture.stepId()) == 7));
        JsonNode progressed = received.stream()
                .filter(run -> items(run, capture.stepId()) == 7)
                .findFirst()
                .orElseThrow();
        assertEquals(4096, step(progressed, capture.stepId()).path("bytes").asLong());
        assertEquals("RUNNING", step(progressed, capture.stepId()).path("state").asText());

        given().header("Authorization", "Bearer " + TestTokens.VIEWER)
                .post("/api/v1/runs/" + runId + "/cancel")
                .then()
                .statusCode(403);
        given().post("/api/v1/runs/" + runId + "/cancel")
                .then()
                .statusCode(200)
                .body("state", equalTo("CANCELLED"))
                .body("error", equalTo("cancelled by test-admin"));

        assertEquals(200, stream.get(20, TimeUnit.SECONDS), "the stream ends after the run ended");
        JsonNode last = received.get(received.size() - 1);
        assertEquals("CANCELLED", last.path("state").asText());
        assertEquals("CANCELLED", step(last, capture.stepId()).path("state").asText());
        for (int i = 1; i < received.size(); i++) {
            assertNotEquals(received.get(i - 1), received.get(i), "only changes are sent");
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> agents.commands(InMemoryMessaging.TOPICS.commands(StoreKind.POSTGRES)).stream()
                        .anyMatch(c -> c.action() == StepAction.CANCEL
                                && capture.stepId()
                                        .toString()
                                        .equals(c.parameter(StepCommand.Parameters.TARGET_STEP))));
        given().post("/api/v1/runs/" + runId + "/cancel")
                .then()
                .statusCode(409)
                .body("title", equalTo("Run already ended"));
    }

    @Test
    void aStreamOfAnUnknownRunIs404() {
        given().get("/api/v1/runs/" + UUID.randomUUID() + "/events").then().statusCode(404);
    }

    /** Starts a backup of the test's plan: the run's id. */
    String startBackup() {
        return Backups.start("plan-" + store, "{}");
    }

    CompletableFuture<Integer> follow(String runId, List<JsonNode> into) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(runs + runId + "/events"))
                .header("Authorization", "Bearer " + TestTokens.VIEWER)
                .header("Accept", "text/event-stream")
                .build();
        return HttpClient.newHttpClient()
                .sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
                .thenApplyAsync(response -> {
                    try (BufferedReader lines =
                            new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = lines.readLine()) != null) {
                            if (line.startsWith("data:")) {
                                into.add(JSON.readTree(line.substring(5).trim()));
                            }
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return response.statusCode();
                });
    }

    StepCommand awaitCapture() {
        await().atMost(Duration.ofSeconds(10)).until(() -> !captures().isEmpty());
        return captures().get(0);
    }

    List<StepCommand> captures() {
        return agents.commands(InMemoryMessaging.TOPICS.commands(StoreKind.POSTGRES)).stream()
                .filter(c -> c.action() == StepAction.BACKUP && c.store().equals(store))
                .toList();
    }

    void send(String type, StepCommand command, Object payload) {
        agentEvents.send(new EventCodec("/agents/" + agentId)
                .encode(type, command.runId().toString(), payload));
    }

    static long items(JsonNode run, UUID stepId) {
        return step(run, stepId).path("items").asLong();
    }

    static JsonNode step(JsonNode run, UUID stepId) {
        for (JsonNode step : run.path("steps")) {
            if (step.path("id").asText().equals(stepId.toString())) {
                return step;
            }
        }
        return JSON.createObjectNode();
    }
}
