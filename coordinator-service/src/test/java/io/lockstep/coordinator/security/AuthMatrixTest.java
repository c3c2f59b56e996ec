package io.lockstep.coordinator.security;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.auth.Roles;
import io.lockstep.coordinator.support.AgentEventsDriver;
import io.lockstep.coordinator.support.InMemoryMessaging;
import io.lockstep.coordinator.support.TestTokens;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.StoreKind;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.util.KeyUtils;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every endpoint of the API against every kind of caller: no token, a bad token, viewer, operator and admin
 * static tokens, and JWTs signed by the identity provider's key (and by another key). Runs over the real
 * catalog; the audit log's rows are read back through {@code GET /api/v1/audit}.
 */
@QuarkusTest
@QuarkusTestResource(InMemoryMessaging.class)
class AuthMatrixTest {

    static final String ISSUER = "https://idp.lockstep.test";

    /** A caller: its name in the matrix and the Authorization header it sends (null: none). */
    record Caller(String name, String authorization) {
        RequestSpecification spec() {
            RequestSpecification spec = given().contentType("application/json");
            return authorization == null ? spec : spec.header("Authorization", authorization);
        }
    }

    static final Caller NONE = new Caller("none", null);
    static final Caller BAD = new Caller("bad", "Bearer not-a-configured-token");
    static final Caller AS_VIEWER = new Caller("viewer", "Bearer " + TestTokens.VIEWER);
    static final Caller AS_OPERATOR = new Caller("operator", "Bearer " + TestTokens.OPERATOR);
    static final Caller AS_ADMIN = new Caller("admin", "Bearer " + TestTokens.ADMIN);
    static final List<Caller> CALLERS = List.of(NONE, BAD, AS_VIEWER, AS_OPERATOR, AS_ADMIN);

    /** One endpoint: how to call it as a caller, the least role it needs and the status a permitted call gets. */
    record Endpoint(String name, String leastRole, int okStatus, Function<Caller, Response> call) {
        int expected(Caller caller) {
            if (caller.authorization() == null || caller == BAD) {
                return 401;
            }
            return Roles.implied(caller.name()).contains(leastRole) ? okStatus : 403;
        }
    }

    @Inject
    @Any
    InMemoryConnector connector;

    String id;
    String store;
    String runId;

    @BeforeEach
    void setUp() {
        id = UUID.randomUUID().toString().substring(0, 8);
        store = "auth-" + id;
        heartbeat(store);
        heartbeat(store + "-gone");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> AS_ADMIN.spec()
                        .get("/api/v1/stores")
                        .jsonPath()
                        .getList("id")
                        .containsAll(List.of(store, store + "-gone")));
        AS_ADMIN.spec()
                .body(planBody())
                .put("/api/v1/plans/shared-" + id)
                .then()
                .statusCode(201);
        for (Caller c : CALLERS) {
            AS_ADMIN.spec()
                    .body(planBody())
                    .put("/api/v1/plans/delete-" + id + "-" + c.name())
                    .then()
                    .statusCode(201);
        }
        runId = AS_ADMIN.spec()
                .body("{}")
                .post("/api/v1/plans/shared-" + id + "/backups")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
    }

    @Test
    void everyEndpointAnswersEachCallerByRole() {
        List<Endpoint> endpoints = List.of(
                new Endpoint("GET /me", Roles.VIEWER, 200, c -> c.spec().get("/api/v1/me")),
                new Endpoint("GET /agents", Roles.VIEWER, 200, c -> c.spec().get("/api/v1/agents")),
                new Endpoint("GET /stores", Roles.VIEWER, 200, c -> c.spec().get("/api/v1/stores")),
                new Endpoint("GET /plans", Roles.VIEWER, 200, c -> c.spec().get("/api/v1/plans")),
                new Endpoint(
                        "GET /plans/{name}", Roles.VIEWER, 200, c -> c.spec().get("/api/v1/plans/shared-" + id)),
                new Endpoint(
                        "PUT /plans/{name}",
                        Roles.OPERATOR,
                        201,
                        c -> c.spec().body(planBody()).put("/api/v1/plans/made-" + id + "-" + c.name())),
                new Endpoint(
                        "DELETE /plans/{name}",
                        Roles.OPERATOR,
                        204,
                        c -> c.spec().delete("/api/v1/plans/delete-" + id + "-" + c.name())),
                new Endpoint(
                        "POST /plans/{name}/backups",
                        Roles.OPERATOR,
                        202,
                        c -> c.spec().body("{}").post("/api/v1/plans/shared-" + id + "/backups")),
                new Endpoint("GET /runs", Roles.VIEWER, 200, c -> c.spec().get("/api/v1/runs?plan=shared-" + id)),
                new Endpoint("GET /runs/{id}", Roles.VIEWER, 200, c -> c.spec().get("/api/v1/runs/" + runId)),
                new Endpoint("GET /audit", Roles.ADMIN, 200, c -> c.spec().get("/api/v1/audit?limit=5")),
                // The shared run is still going: a permitted restore, verification or delete is refused by the run's
                // state (409), after authorization.
                new Endpoint(
                        "POST /runs/{id}/restore",
                        Roles.ADMIN,
                        409,
                        c -> c.spec().body("{\"dryRun\": true}").post("/api/v1/runs/" + runId + "/restore")),
                new Endpoint(
                        "POST /runs/{id}/verify",
                        Roles.OPERATOR,
                        409,
                        c -> c.spec().body("{\"drill\": true}").post("/api/v1/runs/" + runId + "/verify")),
                new Endpoint(
                        "PATCH /runs/{id}",
                        Roles.OPERATOR,
                        200,
                        c -> c.spec().body("{\"pinned\": true}").patch("/api/v1/runs/" + runId)),
                new Endpoint(
                        "DELETE /runs/{id}", Roles.ADMIN, 409, c -> c.spec().delete("/api/v1/runs/" + runId)),
                new Endpoint(
                        "GET /repository/checks",
                        Roles.VIEWER,
                        200,
                        c -> c.spec().get("/api/v1/repository/checks")),
                new Endpoint(
                        "GET /plans/{name}/retention",
                        Roles.VIEWER,
                        200,
                        c -> c.spec().get("/api/v1/plans/shared-" + id + "/retention?dryRun=true")),
                new Endpoint(
                        "POST /plans/{name}/retention",
                        Roles.ADMIN,
                        200,
                        c -> c.spec().body("{}").post("/api/v1/plans/shared-" + id + "/retention")),
                new Endpoint(
                        "DELETE /agents/{id}",
                        Roles.ADMIN,
                        200,
                        c -> c.spec().delete("/api/v1/agents/agent-" + store + "-gone")));
        Map<String, String> wrong = new LinkedHashMap<>();
        for (Endpoint endpoint : endpoints) {
            for (Caller caller : CALLERS) {
                Response response = endpoint.call().apply(caller);
                int expected = endpoint.expected(caller);
                if (response.statusCode() != expected) {
                    wrong.put(
                            endpoint.name() + " as " + caller.name(),
                            "expected " + expected + ", got " + response.statusCode() + ": " + response.asString());
                } else if (expected == 401 || expected == 403) {
                    assertProblem(response, expected, endpoint.name() + " as " + caller.name());
                }
            }
        }
        assertTrue(wrong.isEmpty(), "unexpected answers: " + wrong);
    }

    @Test
    void auditLogRecordsMutatingCallsWithSubjectRoleTargetAndOutcomeRefusedOnesToo() {
        for (Caller caller : CALLERS) {
            caller.spec().body(planBody()).put("/api/v1/plans/audited-" + id);
        }
        AS_OPERATOR
                .spec()
                .body("{}")
                .post("/api/v1/plans/shared-" + id + "/backups")
                .then()
                .statusCode(202);
        AS_ADMIN.spec().get("/api/v1/runs").then().statusCode(200); // a read is not audited

        List<Map<String, Object>> rows = await().atMost(Duration.ofSeconds(10))
                .until(() -> audit("targetKind=plan&targetId=audited-" + id), r -> r.size() == CALLERS.size());
        // Newest first: admin replaced what the operator created; viewer refused, bad and no token unauthenticated.
        assertEquals(
                List.of("test-admin", "test-operator", "test-viewer", "(invalid token)", "(anonymous)"),
                column(rows, "subject"));
        assertEquals(List.of(200, 201, 403, 401, 401), column(rows, "status"));
        assertEquals(java.util.Arrays.asList("admin", "operator", "viewer", null, null), column(rows, "role"));
        assertTrue(rows.stream()
                .allMatch(r -> "PUT".equals(r.get("method"))
                        && ("/api/v1/plans/audited-" + id).equals(r.get("path"))
                        && r.get("at") != null));

        List<Map<String, Object>> backups =
                audit("targetKind=plan&targetId=shared-" + id + "&method=POST&subject=test-operator");
        assertEquals(1, backups.size(), "the operator's backup call: " + backups);
        assertEquals(202, backups.get(0).get("status"));
        assertTrue(String.valueOf(backups.get(0).get("detail")).startsWith("run "), "the started run: " + backups);

        List<Map<String, Object>> reads = audit("method=GET");
        assertTrue(reads.isEmpty(), "reads are not audited: " + reads);
    }

    @Test
    void auditLogFiltersAreValidatedAndNeedAdmin() {
        AS_ADMIN.spec().get("/api/v1/audit?limit=0").then().statusCode(400).contentType("application/problem+json");
        AS_ADMIN.spec().get("/api/v1/audit?since=yesterday").then().statusCode(400);
        AS_OPERATOR.spec().get("/api/v1/audit").then().statusCode(403).contentType("application/problem+json");
    }

    @Test
    void jwtFromTheIdentityProviderCarriesItsRolesFromTheGroupsClaim() throws Exception {
        Caller jwtOperator = new Caller(
                "jwt-operator", "Bearer " + jwt("alice", Set.of("operator"), key("test-jwt-private.pem"), 300));
        Caller jwtAdmin =
                new Caller("jwt-admin", "Bearer " + jwt("root", Set.of("admin"), key("test-jwt-private.pem"), 300));
        Caller forged =
                new Caller("forged", "Bearer " + jwt("mallory", Set.of("admin"), key("other-jwt-private.pem"), 300));
        Caller expired =
                new Caller("expired", "Bearer " + jwt("bob", Set.of("admin"), key("test-jwt-private.pem"), -600));
        Caller noRole =
                new Caller("no-role", "Bearer " + jwt("carol", Set.of("staff"), key("test-jwt-private.pem"), 300));

        jwtOperator.spec().get("/api/v1/plans").then().statusCode(200);
        jwtOperator
                .spec()
                .body(planBody())
                .put("/api/v1/plans/jwt-" + id)
                .then()
                .statusCode(201);
        jwtOperator.spec().get("/api/v1/audit").then().statusCode(403);
        jwtAdmin.spec().get("/api/v1/audit").then().statusCode(200);
        assertProblem(forged.spec().get("/api/v1/plans"), 401, "JWT signed by another key");
        assertProblem(expired.spec().get("/api/v1/plans"), 401, "expired JWT");
        assertProblem(noRole.spec().get("/api/v1/plans"), 403, "JWT without a Lockstep role");

        List<Map<String, Object>> rows = audit("targetKind=plan&targetId=jwt-" + id);
        assertEquals(1, rows.size(), "one audited PUT: " + rows);
        assertEquals("alice", rows.get(0).get("subject"));
        assertEquals("operator", rows.get(0).get("role"));
    }

    @Test
    void anEndpointWithoutRolesAllowedIsDeniedEvenToAdmins() {
        assertProblem(NONE.spec().get("/api/v1/test-unannotated"), 401, "unannotated, no token");
        assertProblem(AS_ADMIN.spec().get("/api/v1/test-unannotated"), 403, "unannotated, admin");
        assertProblem(AS_ADMIN.spec().body("{}").post("/api/v1/test-unannotated"), 403, "unannotated POST, admin");
    }

    @Test
    void meTellsTheCallersMostPowerfulRole() {
        assertEquals("viewer", AS_VIEWER.spec().get("/api/v1/me").jsonPath().getString("role"));
        assertEquals("operator", AS_OPERATOR.spec().get("/api/v1/me").jsonPath().getString("role"));
        JsonPath admin = AS_ADMIN.spec().get("/api/v1/me").jsonPath();
        assertEquals("admin", admin.getString("role"));
        assertEquals("test-admin", admin.getString("subject"));
    }

    @Test
    void theConsoleIsServedWithoutATokenAndHoldsNoData() {
        Response page = given().get("/console/");
        assertEquals(200, page.statusCode());
        assertTrue(page.contentType().startsWith("text/html"), page.contentType());
        assertTrue(page.asString().contains("console.js"), "the page loads its script");
        assertEquals(200, given().get("/console/console.js").statusCode());
        assertEquals(401, given().get("/api/v1/runs").statusCode(), "the API behind it still needs a token");
    }

    @Test
    void healthIsOpenAndOpenApiNeedsAToken() {
        given().get("/q/health").then().statusCode(200);
        assertEquals(401, given().get("/q/openapi").statusCode());
        AS_VIEWER.spec().get("/q/openapi").then().statusCode(200);
    }

    private static void assertProblem(Response response, int status, String what) {
        assertEquals(status, response.statusCode(), what + ": " + response.asString());
        assertTrue(response.contentType().startsWith("application/problem+json"), what + ": " + response.contentType());
        JsonPath body = response.jsonPath();
        assertEquals(status, body.getInt("status"), what);
        assertTrue(body.getString("detail").length() > 20, what + ": a detail that says what to do");
        if (status == 401) {
            assertEquals("Bearer", response.header("WWW-Authenticate"), what);
        }
    }

    private List<Map<String, Object>> audit(String query) {
        return AS_ADMIN.spec()
                .get("/api/v1/audit?" + query)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("$");
    }

    private static List<Object> column(List<Map<String, Object>> rows, String name) {
        List<Object> values = new ArrayList<>();
        rows.forEach(r -> values.add(r.get(name)));
        return values;
    }

    private String planBody() {
        return "{\"stores\": [\"" + store + "\"]}";
    }

    private void heartbeat(String storeId) {
        String agent = "agent-" + storeId;
        Instant now = Instant.now();
        connector
                .<String>source("agent-events")
                .send(new EventCodec("/agents/" + agent)
                        .encode(
                                EventTypes.AGENT_HEARTBEAT,
                                agent,
                                AgentEventsDriver.heartbeatOf(
                                        agent,
                                        StoreKind.POSTGRES,
                                        storeId,
                                        List.of("db"),
                                        now.minusSeconds(5),
                                        List.of())));
    }

    static String jwt(String subject, Set<String> groups, PrivateKey key, long validForSeconds) {
        long now = Instant.now().getEpochSecond();
        return Jwt.issuer(ISSUER)
                .upn(subject)
                .subject(subject)
                .groups(groups)
                .issuedAt(now - 700)
                .expiresAt(now + validForSeconds)
                .sign(key);
    }

    static PrivateKey key(String resource) throws Exception {
        try (InputStream in = AuthMatrixTest.class.getClassLoader().getResourceAsStream(resource)) {
            return KeyUtils.decodePrivateKey(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
