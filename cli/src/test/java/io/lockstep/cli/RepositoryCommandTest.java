package io.lockstep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code lockstep repository check} and {@code checks}, and a damaged run's warning, against a stand-in API. */
class RepositoryCommandTest extends StubApiCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHECK = "5f0c4a52-8f8e-4d3c-9a57-0d6f1f3c2b10";
    private static final String RUNNING = """
            {"id": "%s", "state": "RUNNING", "readData": true, "samplePercent": 100,
             "createdAt": "2026-11-30T09:59:00Z",
             "progress": {"phase": "%s", "runs": 2, "runsChecked": %d, "artifacts": 3, "manifests": 1, "blobs": 7,
                          "blobsRead": 0, "bytesRead": 0, "problems": 0}}
            """;
    private static final String DAMAGED = """
            {"id": "%s", "state": "DONE", "readData": true, "samplePercent": 100,
             "createdAt": "2026-11-30T09:59:00Z", "endedAt": "2026-11-30T09:59:30Z",
             "summary": {"runs": 2, "runsChecked": 2, "artifacts": 4, "manifests": 1, "blobs": 7, "blobsRead": 7,
               "bytesRead": 4096, "problems": 1, "problemsByKind": {"BLOB_DAMAGED": 1},
               "problemList": [{"kind": "BLOB_DAMAGED", "key": "blobs/media/ab12", "run": "%s",
                                "detail": "failed authentication"}],
               "affectedRuns": ["%s"], "unreadableKeyIds": ["tink-42"], "unreachableBlobs": 1,
               "unreachableSample": ["blobs/media/ff00"]}}
            """.formatted(CHECK, Fixtures.RUN_ID, Fixtures.RUN_ID);

    @Test
    void checkWaitFollowsTheCheckAndExitsOneWhenItFoundAProblem() throws Exception {
        api.on("POST /api/v1/repository/check", 202, RUNNING.formatted(CHECK, "listing blobs", 0))
                .on(
                        "GET /api/v1/repository/checks/" + CHECK,
                        200,
                        RUNNING.formatted(CHECK, "artifacts", 1),
                        RUNNING.formatted(CHECK, "artifacts", 1),
                        DAMAGED);

        Cli.Result r = cli().run("repository", "check", "--read-data", "--sample", "50", "--wait");

        assertEquals(ExitCodes.RUN_FAILED, r.code(), r.toString());
        assertEquals(
                JSON.readTree("{\"readData\": true, \"sample\": 50}"),
                JSON.readTree(api.last("POST", "/api/v1/repository/check").body()));
        String out = r.out();
        assertEquals(
                1, out.lines().filter(l -> l.contains("artifacts: runs 1/2")).count(), out);
        assertTrue(out.matches("(?s).*BLOB_DAMAGED\\s+" + Fixtures.RUN_ID + "\\s+blobs/media/ab12\\s+failed.*"), out);
        assertTrue(out.contains("unreadable key ids: tink-42"), out);
        assertTrue(out.contains("unreachable: blobs/media/ff00"), out);
    }

    @Test
    void aCleanCheckExitsZero() {
        String clean = """
                {"id": "%s", "state": "DONE", "readData": false, "samplePercent": 100,
                 "summary": {"runs": 1, "problems": 0, "problemList": [], "unreachableBlobs": 0}}
                """.formatted(CHECK);
        api.on("POST /api/v1/repository/check", 202, RUNNING.formatted(CHECK, "starting", 0))
                .on("GET /api/v1/repository/checks/" + CHECK, 200, clean);

        Cli.Result r = cli().run("repository", "check", "--wait");

        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertTrue(r.out().contains("no problem found"), r.out());
    }

    @Test
    void aSampleWithoutReadDataIsAUsageError() {
        Cli.Result r = cli().run("repository", "check", "--sample", "10");

        assertEquals(ExitCodes.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("--sample needs --read-data"), r.err());
        assertTrue(api.requests.isEmpty(), "nothing was sent");
    }

    @Test
    void runsShowPrintsADamagedRunsWarnings() {
        String run = Fixtures.run("CONSISTENT", "DONE", 1024, "SUCCEEDED")
                .replaceFirst(
                        "\\{", "{\"warnings\": [\"repository check " + CHECK + ": ARTIFACT_MISSING x: missing\"], ");
        api.on("GET /api/v1/runs/" + Fixtures.RUN_ID, 200, run);

        Cli.Result r = cli().run("runs", "show", Fixtures.RUN_ID);

        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertTrue(r.out().contains("WARNING:           repository check " + CHECK + ": ARTIFACT_MISSING x"), r.out());
    }
}
