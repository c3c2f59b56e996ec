package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.Lockstep;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Two coordinator processes on one catalog, both checking schedules every second: a scheduled slot starts exactly
 * one run per plan.
 */
class ScheduleIT {

    @Test
    void aScheduledPlanFiresExactlyOnceWithTwoCoordinatorsOnOneCatalog() throws Exception {
        Lockstep lockstep = Lockstep.get();
        Api second = lockstep.secondCoordinator();
        lockstep.api.awaitStoreLive(lockstep.singleStore);
        List<String> plans = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String plan = "it" + lockstep.id + "-minutely-" + i;
            // Half the plans through each coordinator: either one's schedule row is the same catalog row.
            Api api = i % 2 == 0 ? lockstep.api : second;
            Api.Reply reply = api.put(
                    "/api/v1/plans/" + plan,
                    "{\"stores\": [\"" + lockstep.singleStore + "\"], " + "\"schedule\": \"* * * * *\"}");
            assertEquals(201, reply.status(), reply.raw());
            plans.add(plan);
        }
        List<Instant> slots = new ArrayList<>();
        for (String plan : plans) {
            slots.add(Instant.parse(lockstep.api
                    .get("/api/v1/plans/" + plan)
                    .body()
                    .path("nextRuns")
                    .get(0)
                    .asText()));
        }

        for (String plan : plans) {
            Awaitility.await("a scheduled run of " + plan)
                    .atMost(Duration.ofSeconds(100))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> !scheduledRuns(lockstep.api, plan).isEmpty());
        }
        // Unschedule before the next slot; both coordinators go on ticking every second, and no second run appears.
        for (String plan : plans) {
            lockstep.api.putPlan(plan, "{\"stores\": [\"" + lockstep.singleStore + "\"]}");
        }
        Awaitility.await("no duplicate run")
                .during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(10))
                .until(() -> plans.stream()
                        .allMatch(p -> scheduledRuns(lockstep.api, p).size() == 1));

        for (int i = 0; i < plans.size(); i++) {
            List<JsonNode> runs = scheduledRuns(lockstep.api, plans.get(i));
            assertEquals(1, runs.size(), plans.get(i) + ": " + runs);
            Instant created = Instant.parse(runs.get(0).path("createdAt").asText());
            assertTrue(
                    !created.isBefore(slots.get(i))
                            && created.isBefore(slots.get(i).plusSeconds(60)),
                    "the run " + created + " belongs to the first slot " + slots.get(i));
        }
    }

    static List<JsonNode> scheduledRuns(Api api, String plan) {
        List<JsonNode> runs = new ArrayList<>();
        for (JsonNode run : api.get("/api/v1/runs?plan=" + plan + "&limit=50").body()) {
            if ("scheduled".equals(run.path("label").asText())) {
                runs.add(run);
            }
        }
        return runs;
    }
}
