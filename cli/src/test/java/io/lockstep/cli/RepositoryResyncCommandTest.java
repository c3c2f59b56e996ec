package io.lockstep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code lockstep repository resync} against a stand-in API: the report, JSON output and exit codes. */
class RepositoryResyncCommandTest extends StubApiCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLEAN = """
            {"catalogWasEmpty": true, "runsFound": 3, "runsCreated": 3, "runsAlreadyPresent": 0,
             "runsByState": {"CONSISTENT": 2, "SUCCEEDED": 1}, "runsByPlan": {"shop-nightly": 3},
             "stepsCreated": 17, "statusRecords": 1, "plansCreated": ["shop-nightly"], "plansAlreadyPresent": [],
             "unreadable": [], "withoutManifest": 0, "withoutManifestSample": []}
            """;
    private static final String UNREADABLE = """
            {"catalogWasEmpty": false, "runsFound": 1, "runsCreated": 0, "runsAlreadyPresent": 1,
             "runsByState": {"CONSISTENT": 1}, "runsByPlan": {"shop-nightly": 1}, "stepsCreated": 0,
             "statusRecords": 0, "plansCreated": [], "plansAlreadyPresent": ["shop-nightly"],
             "unreadable": [{"key": "runs/shop-nightly/7a/run.json", "reason": "needs key tink-42"}],
             "withoutManifest": 1, "withoutManifestSample": ["runs/shop-nightly/9b/"]}
            """;

    @Test
    void resyncPrintsWhatItFoundAndExitsZeroWhenEverythingWasReadable() {
        api.on("POST /api/v1/repository/resync", 200, CLEAN);

        Cli.Result r = cli().run("repository", "resync");

        assertEquals(ExitCodes.OK, r.code(), r.toString());
        String out = r.out();
        assertTrue(out.contains("runs found:        3 (3 added, 0 already present)"), out);
        assertTrue(out.contains("runs by state:     CONSISTENT 2, SUCCEEDED 1"), out);
        assertTrue(out.contains("plans added:       shop-nightly"), out);
        assertTrue(out.matches("(?s).*shop-nightly\\s+3\\s.*"), out);
        assertTrue(out.contains("everything found was readable"), out);
    }

    @Test
    void somethingUnreadableIsNamedAndExitsOne() {
        api.on("POST /api/v1/repository/resync?plan=shop-nightly", 200, UNREADABLE);

        Cli.Result r = cli().run("repository", "resync", "--plan", "shop-nightly");

        assertEquals(ExitCodes.RUN_FAILED, r.code(), r.toString());
        assertEquals(
                "/api/v1/repository/resync?plan=shop-nightly",
                api.last("POST", "/api/v1/repository/resync").target());
        assertTrue(r.out().matches("(?s).*runs/shop-nightly/7a/run.json\\s+needs key tink-42.*"), r.out());
        assertTrue(r.out().contains("without run.json: runs/shop-nightly/9b/"), r.out());
    }

    @Test
    void jsonOutputIsTheReport() throws Exception {
        api.on("POST /api/v1/repository/resync", 200, CLEAN);

        Cli.Result r = cli().run("repository", "resync", "-o", "json");

        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertEquals(JSON.readTree(CLEAN), JSON.readTree(r.out()));
    }

    @Test
    void refusedByTheApiExitsThree() {
        api.on(
                "POST /api/v1/repository/resync",
                403,
                "{\"status\": 403, \"title\": \"Forbidden\", \"detail\": \"needs the admin role\"}");

        Cli.Result r = cli().run("repository", "resync");

        assertEquals(ExitCodes.REFUSED, r.code(), r.toString());
        assertTrue(r.err().contains("403"), r.err());
    }
}
