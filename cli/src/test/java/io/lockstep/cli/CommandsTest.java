package io.lockstep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each command against an in-process stand-in of the API: the calls it makes, what it prints, its exit code. */
class CommandsTest extends StubApiCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RUN = "/api/v1/runs/" + Fixtures.RUN_ID;

    private void stubStatus() {
        api.on("GET /api/v1/agents", 200, Fixtures.AGENTS)
                .on("GET /api/v1/stores", 200, Fixtures.STORES)
                .on("GET /api/v1/plans", 200, Fixtures.PLANS)
                .on(
                        "GET /api/v1/runs?plan=shop&type=backup&limit=1",
                        200,
                        "[" + Fixtures.run("FAILED", "DONE", 5, "FAILED") + "]")
                .on(
                        "GET /api/v1/runs?plan=shop&state=CONSISTENT&limit=1",
                        200,
                        "[" + Fixtures.run("CONSISTENT", "DONE", 5, "SUCCEEDED") + "]")
                .on("GET /api/v1/runs?plan=never-ran&type=backup&limit=1", 200, "[]")
                .on("GET /api/v1/runs?plan=never-ran&state=CONSISTENT&limit=1", 200, "[]");
    }

    @Test
    void statusShowsLivenessAndTheAgeOfEachPlansLastConsistentBackup() {
        stubStatus();
        Cli.Result r = cli().run("status");
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertTrue(
                lines.stream().anyMatch(l -> l.matches("app\\s+postgres\\s+pg-1\\s+live\\s+2\\.0s ago\\s+shop")),
                r.out());
        assertTrue(
                lines.stream().anyMatch(l -> l.matches("media\\s+objectstore\\s+os-1\\s+SILENT\\s+20m 00s ago\\s+-")),
                r.out());
        assertTrue(
                lines.stream()
                        .anyMatch(l -> l.matches("shop\\s+0 4 \\* \\* \\*\\s+FAILED 2m 00s ago\\s+" + Fixtures.RUN_ID
                                + "\\s+2026-11-30 09:58:01Z\\s+1m 58s ago")),
                r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("never-ran\\s+-\\s+never\\s+none\\s+-\\s+-")), r.out());
        assertEquals("Bearer lst_env_token", api.last("GET", "/api/v1/stores").authorization());
    }

    @Test
    void statusInJsonGathersWhatTheApiAnswered() throws IOException {
        stubStatus();
        Cli.Result r = cli().run("status", "-o", "json");
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        JsonNode all = JSON.readTree(r.out());
        assertEquals(JSON.readTree(Fixtures.STORES), all.get("stores"));
        assertEquals(JSON.readTree(Fixtures.AGENTS), all.get("agents"));
        assertEquals(Fixtures.RUN_ID, all.at("/plans/0/lastConsistent/id").asText());
        assertTrue(all.at("/plans/1/lastConsistent").isNull());
    }

    @Test
    void theTokenComesFromTheConfigFileWhenTheEnvironmentHasNone() throws IOException {
        Path config = home.resolve(".config/lockstep/config");
        Files.createDirectories(config.getParent());
        Files.writeString(config, "url=" + api.url() + "\ntoken=lst_file_token\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        api.on("GET /api/v1/plans", 200, "[]");
        Cli.Result r = new Cli(home).run("plans", "list");
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertEquals("Bearer lst_file_token", api.last("GET", "/api/v1/plans").authorization());
        assertEquals("(no plans)\n", r.out());

        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        Cli.Result refused = new Cli(home).run("plans", "list");
        assertEquals(ExitCodes.USAGE, refused.code(), refused.toString());
        assertEquals(1, api.requests.size(), "nothing sent with a config file others may read");
    }

    @Test
    void withoutATokenNoAuthorizationHeaderIsSentAndThe401SaysWhereToPutOne() {
        api.on(
                "GET /api/v1/plans",
                401,
                Fixtures.problem(401, "Unauthorized", "this endpoint needs a bearer token", ""));
        Cli.Result r = new Cli(home).env("LOCKSTEP_URL", api.url()).run("plans", "list");
        assertEquals(ExitCodes.REFUSED, r.code(), r.toString());
        assertNull(api.last("GET", "/api/v1/plans").authorization());
        assertTrue(r.err().contains("LOCKSTEP_TOKEN"), r.err());
    }

    @Test
    void aRefusalExits3WithTheProblemInOneLine() {
        api.on(
                "POST /api/v1/plans/shop/backups",
                403,
                Fixtures.problem(403, "Forbidden", "the token's role may not do this; viewer reads", ""));
        Cli.Result r = cli().run("backup", "shop");
        assertEquals(ExitCodes.REFUSED, r.code(), r.toString());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(
                r.err()
                        .startsWith("lockstep: refused: 403 Forbidden: the token's role may not do this; viewer reads."
                                + " What to do: "),
                r.err());
    }

    @Test
    void aConflictNamesTheRunAndHowToSeeIt() {
        api.on(
                "POST /api/v1/plans/shop/backups",
                409,
                Fixtures.problem(
                        409,
                        "Backup cannot start",
                        "no live agent for store app",
                        ", \"runId\": \"" + Fixtures.RUN_ID + "\""));
        Cli.Result r = cli().run("backup", "shop", "--wait");
        assertEquals(ExitCodes.REFUSED, r.code(), r.toString());
        assertTrue(
                r.err()
                        .contains(
                                "409 Backup cannot start: no live agent for store app [runId=" + Fixtures.RUN_ID + "]"),
                r.err());
        assertTrue(r.err().contains("lockstep runs show " + Fixtures.RUN_ID), r.err());
    }

    @Test
    void plansShowPrintsThePlansScheduledRepositoryCheck() {
        api.on("GET /api/v1/plans/shop", 200, """
                {"name": "shop", "stores": ["app"], "check": {"schedule": "0 5 * * 0", "readData": true,
                 "samplePercent": 10, "nextChecks": ["2026-12-06T05:00:00Z"],
                 "lastCheckId": "6f1c2a9e-0000-4000-8000-000000000001", "lastCheckState": "DONE",
                 "lastCheckAt": "2026-11-29T05:00:01Z"}}
                """);
        Cli.Result r = cli().run("plans", "show", "shop");
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertTrue(r.out().contains("0 5 * * 0, reading 10% of the data"), r.out());
        assertTrue(r.out().contains("next check:"), r.out());
        assertTrue(r.out().contains("6f1c2a9e-0000-4000-8000-000000000001 DONE"), r.out());
    }

    @Test
    void anErrorThatIsNotAProblemDetailStillExits3() {
        api.onRaw("GET /api/v1/plans", 502, "text/html", "<html>Bad Gateway</html>\n<body>...</body>");
        Cli.Result r = cli().run("plans", "list");
        assertEquals(ExitCodes.REFUSED, r.code(), r.toString());
        assertTrue(r.err().contains("502: <html>Bad Gateway</html>"), r.err());
        assertTrue(r.err().contains("the coordinator failed"), r.err());
    }

    @Test
    void aCoordinatorOutOfReachExits4() throws IOException {
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Cli.Result r =
                new Cli(home).env("LOCKSTEP_URL", "http://127.0.0.1:" + port).run("status");
        assertEquals(ExitCodes.UNREACHABLE, r.code(), r.toString());
        assertTrue(r.err().contains("cannot reach the coordinator at http://127.0.0.1:" + port), r.err());
    }

    @Test
    void backupWaitFollowsTheRunAndExits0WhenItIsConsistent() throws IOException {
        api.on("POST /api/v1/plans/shop/backups", 202, Fixtures.run("QUEUED", "QUEUED", 0, "DISPATCHED"))
                .on(
                        "GET " + RUN,
                        200,
                        Fixtures.run("RUNNING", "CAPTURING", 1024, "RUNNING"),
                        Fixtures.run("RUNNING", "CAPTURING", 5 * 1024 * 1024, "RUNNING"),
                        Fixtures.run("CONSISTENT", "DONE", 6 * 1024 * 1024, "SUCCEEDED"));
        Cli.Result r = cli().run("backup", "shop", "--label", "pre-release", "--pin", "--wait");
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertEquals(
                JSON.readTree("{\"label\":\"pre-release\",\"pin\":true}"),
                JSON.readTree(api.last("POST", "/api/v1/plans/shop/backups").body()));
        assertTrue(r.out().contains("BACKUP   app/shop                         RUNNING    1.0 KiB"), r.out());
        assertTrue(r.out().contains("RUNNING    5.0 MiB"), r.out());
        assertTrue(r.out().contains("SUCCEEDED  6.0 MiB"), r.out());
        assertTrue(r.out().contains("media                            SUCCEEDED  42 objects"), r.out());
        assertTrue(r.out().contains("run " + Fixtures.RUN_ID + " CONSISTENT after 9.1s"), r.out());
    }

    @Test
    void backupWaitExits1WhenTheRunFailsOrIsCancelled() throws IOException {
        for (String end : List.of("FAILED", "CANCELLED")) {
            api.on("POST /api/v1/plans/shop/backups", 202, Fixtures.run("QUEUED", "QUEUED", 0, "DISPATCHED"))
                    .on("GET " + RUN, 200, Fixtures.run(end, "DONE", 0, "FAILED"));
            Cli.Result r = cli().run("backup", "shop", "--wait", "-o", "json");
            assertEquals(ExitCodes.RUN_FAILED, r.code(), r.toString());
            assertEquals(end, JSON.readTree(r.out()).get("state").asText(), "json: the final run only");
        }
    }

    @Test
    void backupWithoutWaitPrintsTheRunAndExits0() throws IOException {
        String queued = Fixtures.run("QUEUED", "QUEUED", 0, "DISPATCHED");
        api.on("POST /api/v1/plans/shop/backups", 202, queued);
        Cli.Result r = cli().run("backup", "shop", "--output", "json");
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertEquals(JSON.readTree(queued), JSON.readTree(r.out()), "the API's JSON as it was");
        assertEquals("{}", api.last("POST", "/api/v1/plans/shop/backups").body());
    }

    @Test
    void watchInJsonPrintsTheRunEachTimeItChangesAndExitsByItsEnd() throws IOException {
        api.on(
                "GET " + RUN,
                200,
                Fixtures.run("RUNNING", "CAPTURING", 10, "RUNNING"),
                Fixtures.run("RUNNING", "CAPTURING", 10, "RUNNING"),
                Fixtures.run("FAILED", "DONE", 10, "FAILED"));
        Cli.Result r = cli().run("runs", "watch", Fixtures.RUN_ID, "-o", "json");
        assertEquals(ExitCodes.RUN_FAILED, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), "an unchanged reading is not repeated: " + r.out());
        assertEquals("RUNNING", JSON.readTree(lines.get(0)).get("state").asText());
        assertEquals("FAILED", JSON.readTree(lines.get(1)).get("state").asText());
    }

    @Test
    void runsShowPrintsStepsEvidenceArtifactsAndATimelineInOrder() {
        api.on("GET " + RUN, 200, Fixtures.run("CONSISTENT", "DONE", 6 * 1024 * 1024, "SUCCEEDED"));
        Cli.Result r = cli().run("runs", "show", Fixtures.RUN_ID);
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        String out = r.out();
        assertTrue(out.contains("state:             CONSISTENT (DONE)"), out);
        assertTrue(out.contains("consistency point: 2026-11-30 09:58:01Z"), out);
        assertTrue(
                out.matches(
                        "(?s).*\\n0\\s+BACKUP\\s+app/shop\\s+POSTGRES\\s+SUCCEEDED\\s+pg-1\\s+6\\.0 MiB\\s+4\\.0s\\s+-\\n.*"),
                out);
        assertTrue(
                out.contains(
                        "sqlSnapshots: store=app database=shop snapshotTime=2026-11-30T09:58:01.500Z lsn=0/1A2B3C"),
                out);
        assertTrue(out.contains("runs/shop/" + Fixtures.RUN_ID + "/app/shop.dump  6.0 MiB  ab12cd34"), out);
        String timeline = out.substring(out.indexOf("TIMELINE"));
        List<String> order = List.of(
                "run created",
                "run started",
                "BACKUP app/shop dispatched",
                "BACKUP app/shop accepted by pg-1",
                "BACKUP app/shop started",
                "BACKUP app/shop: SQL snapshot at LSN 0/1A2B3C",
                "BACKUP media: object listing started",
                "BACKUP app/shop SUCCEEDED (6.0 MiB)",
                "run ended CONSISTENT");
        int at = -1;
        for (String moment : order) {
            int next = timeline.indexOf(moment);
            assertTrue(next > at, "'" + moment + "' after the moments before it in\n" + timeline);
            at = next;
        }
        assertTrue(timeline.contains("09:58:00.000  +0ms"), timeline);
        assertTrue(timeline.contains("09:58:09.100  +9.1s"), timeline);
    }

    @Test
    void runsListPassesItsFiltersAndPrintsATable() {
        api.on(
                "GET /api/v1/runs?plan=shop&state=consistent&limit=5",
                200,
                "[" + Fixtures.run("CONSISTENT", "DONE", 6 * 1024 * 1024, "SUCCEEDED") + "]");
        Cli.Result r = cli().run("runs", "list", "--plan", "shop", "--state", "consistent", "--limit", "5");
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertTrue(r.out().startsWith("ID "), r.out());
        assertTrue(
                r.out()
                        .contains(
                                Fixtures.RUN_ID
                                        + "  shop  BACKUP  CONSISTENT  2026-11-30 09:58:00Z  9.1s      6.0 MiB  pre-release  pinned"),
                r.out());
    }

    @Test
    void restoreSendsTheOptionsAndADryRunPrintsItsReport() throws IOException {
        String dryRun = """
                {"id": "%s", "type": "DRY_RUN", "state": "SUCCEEDED", "phase": "DONE", "bytes": 0, "pinned": false,
                 "result": {"steps": ["restore app/shop into shop_copy"], "bytesToTransfer": 2048,
                            "objectsToCopy": 3, "databasesToReplace": [], "indicesToReplace": ["products"]}}
                """.formatted(Fixtures.RUN_ID);
        api.on("POST " + RUN + "/restore", 200, dryRun);
        Cli.Result r = cli().run(
                        "restore",
                        Fixtures.RUN_ID,
                        "--dry-run",
                        "--stores",
                        "app,media",
                        "--target",
                        "app.shop=shop_copy");
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertEquals(
                JSON.readTree(
                        "{\"stores\":[\"app\",\"media\"],\"targets\":{\"app\":{\"databases\":{\"shop\":\"shop_copy\"}}},"
                                + "\"dryRun\":true}"),
                JSON.readTree(api.last("POST", RUN + "/restore").body()));
        assertTrue(r.out().contains("  restore app/shop into shop_copy"), r.out());
        assertTrue(r.out().contains("bytes to transfer: 2.0 KiB"), r.out());
        assertTrue(r.out().contains("indices replaced:  products"), r.out());
    }

    @Test
    void restoreToAPointInTimeSendsTheTime() throws Exception {
        api.on("POST " + RUN + "/restore", 202, """
                {"id": "%s", "type": "RESTORE", "state": "RUNNING", "phase": "RESTORE", "bytes": 0, "pinned": false}
                """.formatted(Fixtures.RUN_ID));
        Cli.Result r = cli().run("restore", Fixtures.RUN_ID, "--point-in-time", "2026-11-30T15:04:05Z");
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertEquals(
                JSON.readTree("{\"pointInTime\":\"2026-11-30T15:04:05Z\"}"),
                JSON.readTree(api.last("POST", RUN + "/restore").body()));
    }

    @Test
    void verifyAndRetentionAndAuditCallTheirEndpoints() {
        api.on("POST " + RUN + "/verify", 202, Fixtures.run("QUEUED", "QUEUED", 0, "DISPATCHED"))
                .on("GET /api/v1/plans/shop/retention?dryRun=true", 200, """
                        {"plan": "shop", "dryRun": true, "at": "2026-11-30T10:00:00Z", "rules": {"keepLast": 1},
                         "runs": [{"runId": "%s", "state": "CONSISTENT", "pinned": false,
                                   "consistencyPoint": "2026-11-29T04:00:00Z", "action": "expire", "reason": "beyond keepLast 1"}]}
                        """.formatted(Fixtures.RUN_ID))
                .on("POST /api/v1/plans/shop/retention", 200, "{\"reports\": [], \"expired\": 0}")
                .on("GET /api/v1/audit?targetKind=plan&limit=100", 200, """
                        [{"id": 7, "at": "2026-11-30T09:00:00Z", "subject": "ci", "role": "operator", "method": "PUT",
                          "path": "/api/v1/plans/shop", "targetKind": "plan", "targetId": "shop", "status": 201}]
                        """);
        Cli.Result verify = cli().run("verify", Fixtures.RUN_ID, "--drill");
        assertEquals(ExitCodes.OK, verify.code(), verify.toString());
        assertEquals("{\"drill\":true}", api.last("POST", RUN + "/verify").body());
        assertTrue(verify.out().contains("started restore drill of run " + Fixtures.RUN_ID), verify.out());

        Cli.Result preview = cli().run("retention", "shop", "--dry-run");
        assertEquals(ExitCodes.OK, preview.code(), preview.toString());
        assertTrue(preview.out().contains("2026-11-29 04:00:00Z  expire  beyond keepLast 1"), preview.out());
        Cli.Result apply = cli().run("retention", "shop");
        assertEquals(ExitCodes.OK, apply.code(), apply.toString());
        assertTrue(apply.out().contains("expired: 0 runs"), apply.out());

        Cli.Result audit = cli().run("audit", "--target-kind", "plan");
        assertEquals(ExitCodes.OK, audit.code(), audit.toString());
        assertTrue(
                audit.out()
                        .matches("(?s).*2026-11-30 09:00:00Z\\s+ci\\s+operator\\s+PUT\\s+/api/v1/plans/shop\\s+201.*"),
                audit.out());
    }

    @Test
    void plansApplyPutsTheFileWithoutItsNameAndDeleteDeletes() throws IOException {
        Path file = home.resolve("nightly.json");
        Files.writeString(file, "{\"name\": \"shop nightly\", \"stores\": [\"app\"], \"schedule\": \"@daily\"}");
        api.on("PUT /api/v1/plans/shop%20nightly", 201, "{\"name\": \"shop nightly\", \"stores\": [\"app\"]}")
                .on("DELETE /api/v1/plans/shop%20nightly", 204);
        Cli.Result apply = cli().run("plans", "apply", "-f", file.toString());
        assertEquals(ExitCodes.OK, apply.code(), apply.toString());
        assertEquals("created plan shop nightly\n", apply.out());
        assertEquals(
                JSON.readTree("{\"stores\": [\"app\"], \"schedule\": \"@daily\"}"),
                JSON.readTree(api.last("PUT", "/api/v1/plans/").body()));
        Cli.Result delete = cli().run("plans", "delete", "shop nightly");
        assertEquals(ExitCodes.OK, delete.code(), delete.toString());
        assertEquals("deleted plan shop nightly\n", delete.out());

        Files.writeString(file, "{not json");
        Cli.Result bad = cli().run("plans", "apply", "-f", file.toString());
        assertEquals(ExitCodes.USAGE, bad.code(), bad.toString());
        assertEquals(
                1,
                api.requests.stream().filter(q -> q.method().equals("PUT")).count(),
                "a file that is not JSON sends nothing");
    }
}
