package io.lockstep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Following a run on its event stream, and the commands that change one run: cancel, pin, unpin, expire. */
class RunStreamCommandsTest extends StubApiCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RUN = "/api/v1/runs/" + Fixtures.RUN_ID;
    private static final String EVENTS = "GET " + RUN + "/events";

    /** A run whose dump step reported {@code bytes} and {@code items} at {@code progressAt}. */
    static String progressed(String state, String stepState, long bytes, long items, String progressAt)
            throws IOException {
        ObjectNode run = (ObjectNode) JSON.readTree(Fixtures.run(state, "CAPTURING", bytes, stepState));
        ObjectNode dump = (ObjectNode) run.get("steps").get(0);
        dump.put("items", items).put("progressAt", progressAt);
        return run.toString();
    }

    @Test
    void watchFollowsTheEventStreamWithRatesAndNeverPolls() throws IOException {
        api.onStream(
                EVENTS,
                List.of(List.of(
                        progressed("RUNNING", "RUNNING", 1024 * 1024, 3, "2026-11-30T09:58:02Z"),
                        progressed("RUNNING", "RUNNING", 3 * 1024 * 1024, 9, "2026-11-30T09:58:04Z"),
                        Fixtures.run("CONSISTENT", "DONE", 6 * 1024 * 1024, "SUCCEEDED"))));
        Cli.Result r = cli().run("runs", "watch", Fixtures.RUN_ID);
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertTrue(r.out().contains("RUNNING    1.0 MiB  3 objects"), r.out());
        assertTrue(r.out().contains("RUNNING    3.0 MiB  9 objects  1.0 MiB/s"), "2 MiB in 2 s: " + r.out());
        assertTrue(r.out().contains("run " + Fixtures.RUN_ID + " CONSISTENT after 9.1s"), r.out());
        assertTrue(
                api.requests.stream().noneMatch(q -> q.target().equals(RUN)),
                "the run is not polled while its stream answers: " + api.requests);
        assertEquals("Bearer lst_env_token", api.last("GET", RUN + "/events").authorization());
    }

    @Test
    void withoutBytesMovingTheRateIsInObjects() throws IOException {
        api.onStream(
                EVENTS,
                List.of(List.of(
                        progressed("RUNNING", "RUNNING", 0, 100, "2026-11-30T09:58:02Z"),
                        progressed("RUNNING", "RUNNING", 0, 300, "2026-11-30T09:58:04Z"),
                        progressed("RUNNING", "RUNNING", 0, 300, "2026-11-30T09:58:06Z"),
                        Fixtures.run("CONSISTENT", "DONE", 6 * 1024 * 1024, "SUCCEEDED"))));
        Cli.Result r = cli().run("runs", "watch", Fixtures.RUN_ID);
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertTrue(r.out().contains("RUNNING    0 B  300 objects  100 objects/s"), r.out());
        assertTrue(!r.out().contains("B/s"), "no byte rate when no bytes moved: " + r.out());
    }

    @Test
    void aStreamThatEndsBeforeTheRunIsOpenedAgain() throws IOException {
        api.onStream(
                EVENTS,
                List.of(
                        List.of(Fixtures.run("RUNNING", "CAPTURING", 10, "RUNNING")),
                        List.of(Fixtures.run("FAILED", "DONE", 10, "FAILED"))));
        Cli.Result r = cli().run("runs", "watch", Fixtures.RUN_ID, "-o", "json");
        assertEquals(ExitCodes.RUN_FAILED, r.code(), r.toString());
        assertEquals(
                2,
                api.requests.stream()
                        .filter(q -> q.target().equals(RUN + "/events"))
                        .count());
        List<String> lines = r.out().lines().toList();
        assertEquals(
                "FAILED",
                JSON.readTree(lines.get(lines.size() - 1)).get("state").asText());
    }

    @Test
    void cancelPostsAndARunThatEndedExits3WithTheProblem() {
        api.on("POST " + RUN + "/cancel", 200, Fixtures.run("CANCELLED", "DONE", 0, "CANCELLED"));
        Cli.Result r = cli().run("runs", "cancel", Fixtures.RUN_ID);
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertTrue(r.out().contains("run " + Fixtures.RUN_ID + " cancelled (CANCELLED)"), r.out());

        api.on(
                "POST " + RUN + "/cancel",
                409,
                Fixtures.problem(409, "Run already ended", "run ended CONSISTENT; there is nothing to cancel", ""));
        r = cli().run("runs", "cancel", Fixtures.RUN_ID);
        assertEquals(ExitCodes.REFUSED, r.code(), r.toString());
        assertTrue(r.err().contains("409 Run already ended"), r.err());
    }

    @Test
    void pinUnpinAndExpireSendTheirRequests() throws IOException {
        api.on("PATCH " + RUN, 200, Fixtures.run("CONSISTENT", "DONE", 0, "SUCCEEDED"))
                .on("DELETE " + RUN + "?force=true", 202, Fixtures.run("CONSISTENT", "DONE", 0, "SUCCEEDED"));
        assertEquals(ExitCodes.OK, cli().run("runs", "pin", Fixtures.RUN_ID).code());
        assertEquals(
                JSON.readTree("{\"pinned\":true}"),
                JSON.readTree(api.last("PATCH", RUN).body()));
        assertEquals(ExitCodes.OK, cli().run("runs", "unpin", Fixtures.RUN_ID).code());
        assertEquals(
                JSON.readTree("{\"pinned\":false}"),
                JSON.readTree(api.last("PATCH", RUN).body()));
        Cli.Result r = cli().run("runs", "expire", Fixtures.RUN_ID, "--force", "-o", "json");
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertEquals(Fixtures.RUN_ID, JSON.readTree(r.out()).get("id").asText());
        assertEquals(RUN + "?force=true", api.last("DELETE", RUN).target());
    }
}
