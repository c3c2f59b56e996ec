package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.Lockstep;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad input at the API gets a 4xx problem detail that says what is wrong, never a 500. */
class ApiErrorsIT {

    static Lockstep lockstep;
    static Api api;

    @BeforeAll
    static void setUp() {
        lockstep = Lockstep.get();
        api = lockstep.api;
        api.awaitStoreLive(lockstep.singleStore);
    }

    static void assertProblem(Api.Reply reply, int status, String detailPart) {
        assertEquals(status, reply.status(), reply.raw());
        assertTrue(reply.contentType().startsWith("application/problem+json"), reply.contentType());
        assertEquals(status, reply.body().path("status").asInt());
        String detail = reply.body().path("detail").asText();
        assertTrue(detail.contains(detailPart), "detail '" + detail + "' should mention '" + detailPart + "'");
    }

    @Test
    void malformedJsonIsA400() {
        assertProblem(api.put("/api/v1/plans/broken", "{\"stores\": [\"a\""), 400, "not valid JSON");
    }

    @Test
    void aFieldOfTheWrongTypeIsA400() {
        assertProblem(api.put("/api/v1/plans/broken", "{\"stores\": \"just-one\"}"), 400, "stores");
    }

    @Test
    void anUnknownStoreIsA422ThatListsTheKnownOnes() {
        assertProblem(
                api.put("/api/v1/plans/unknown-store", "{\"stores\": [\"no-such-store\"]}"), 422, "no-such-store");
        assertEquals(404, api.get("/api/v1/plans/unknown-store").status(), "nothing was stored");
    }

    @Test
    void aPlanWithNoStoresIsA400() {
        assertProblem(api.put("/api/v1/plans/empty", "{\"stores\": []}"), 400, "at least one store");
        assertProblem(api.put("/api/v1/plans/empty", "{}"), 400, "at least one store");
    }

    @Test
    void anInvalidCronExpressionIsA400ThatNamesTheField() {
        assertProblem(
                api.put(
                        "/api/v1/plans/bad-cron",
                        "{\"stores\": [\"" + lockstep.singleStore + "\"], \"schedule\": \"0 25 * * *\"}"),
                400,
                "hour");
        assertProblem(
                api.put(
                        "/api/v1/plans/bad-cron",
                        "{\"stores\": [\"" + lockstep.singleStore + "\"], \"schedule\": \"every day\"}"),
                400,
                "5");
    }

    @Test
    void anUnknownPlanIsA404() {
        assertProblem(api.get("/api/v1/plans/no-such-plan"), 404, "no-such-plan");
        assertProblem(api.post("/api/v1/plans/no-such-plan/backups", "{}"), 404, "no-such-plan");
        assertProblem(api.delete("/api/v1/plans/no-such-plan"), 404, "no-such-plan");
    }

    @Test
    void anInvalidPlanNameIsA400() {
        assertProblem(
                api.put("/api/v1/plans/Bad%20Name", "{\"stores\": [\"" + lockstep.singleStore + "\"]}"),
                400,
                "plan name");
    }

    @Test
    void unknownAndInvalidRunIdsAreA404AndA400() {
        assertProblem(api.get("/api/v1/runs/00000000-0000-0000-0000-000000000000"), 404, "no run");
        assertProblem(api.get("/api/v1/runs/not-a-uuid"), 400, "not a run id");
        assertProblem(api.get("/api/v1/runs?state=SLEEPING"), 400, "unknown state");
        assertProblem(api.get("/api/v1/runs?limit=0"), 400, "limit");
    }

    @Test
    void aValidPlanRoundTripsAndShowsItsNextRuns() {
        String name = "it" + lockstep.id + "-roundtrip";
        Api.Reply created = api.put(
                "/api/v1/plans/" + name,
                "{\"stores\": [\"" + lockstep.singleStore
                        + "\"], \"schedule\": \"@daily\", \"retention\": {\"keepDaily\": 14}}");
        assertEquals(201, created.status(), created.raw());
        assertEquals(
                200,
                api.put("/api/v1/plans/" + name, "{\"stores\": [\"" + lockstep.singleStore + "\"]}")
                        .status());
        Api.Reply fetched = api.get("/api/v1/plans/" + name);
        assertEquals(200, fetched.status());
        assertTrue(fetched.body().path("schedule").isMissingNode(), "the replacement dropped the schedule");
        assertEquals(204, api.delete("/api/v1/plans/" + name).status());
        assertEquals(404, api.get("/api/v1/plans/" + name).status());
    }
}
