package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.Lockstep;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The packaged coordinator (production profile) is closed by default: no token or a bad one gets 401. */
class ApiAuthIT {

    @Test
    void withoutAValidTokenTheApiAnswers401AndRecordsTheRefusedChange() {
        Lockstep lockstep = Lockstep.get();
        String plan = "it" + lockstep.id + "-unauthenticated";
        for (Api caller : new Api[] {lockstep.api.withToken(null), lockstep.api.withToken("lst_not-a-token")}) {
            Api.Reply read = caller.get("/api/v1/runs");
            assertEquals(401, read.status(), read.raw());
            assertTrue(read.contentType().startsWith("application/problem+json"), read.contentType());
            assertEquals(401, read.body().path("status").asInt());
            Api.Reply write = caller.put("/api/v1/plans/" + plan, "{\"stores\": [\"" + lockstep.singleStore + "\"]}");
            assertEquals(401, write.status(), write.raw());
        }
        assertEquals(200, lockstep.api.withToken(null).get("/q/health").status(), "health stays open");
        assertEquals(401, lockstep.api.withToken(null).get("/q/openapi").status(), "OpenAPI needs a token");
        assertEquals(200, lockstep.api.get("/q/openapi").status());
        assertEquals(404, lockstep.api.get("/api/v1/plans/" + plan).status(), "nothing was created");

        JsonNode[] rows = new JsonNode[1];
        Awaitility.await("refused calls audited").atMost(Duration.ofSeconds(10)).until(() -> {
            rows[0] = lockstep.api
                    .get("/api/v1/audit?targetKind=plan&targetId=" + plan)
                    .body();
            return rows[0].size() == 2;
        });
        assertEquals("(invalid token)", rows[0].get(0).path("subject").asText());
        assertEquals("(anonymous)", rows[0].get(1).path("subject").asText());
        assertEquals(401, rows[0].get(0).path("status").asInt());
    }
}
