package io.lockstep.cli;

/** JSON shaped as the coordinator's API answers it (Views.RunView, StoreView, AgentView, PlanView). */
final class Fixtures {

    static final String RUN_ID = "3f1c2a9e-7b1d-4c55-9a8e-0d2f4b6a8c10";

    private Fixtures() {}

    static String run(String state, String phase, long dumpBytes, String dumpState) {
        boolean ended = state.equals("CONSISTENT") || state.equals("FAILED") || state.equals("CANCELLED");
        return """
                {"id": "%s", "plan": "shop", "type": "BACKUP", "state": "%s", "phase": "%s",
                 "consistencyPoint": "2026-11-30T09:58:01.500Z", "label": "pre-release", "pinned": true,
                 "bytes": %d, %s "createdAt": "2026-11-30T09:58:00Z", "startedAt": "2026-11-30T09:58:00.100Z",
                 %s "verified": false,
                 "evidence": {"sqlSnapshots": [{"store": "app", "database": "shop",
                   "snapshotTime": "2026-11-30T09:58:01.500Z", "lsn": "0/1A2B3C"}]},
                 "steps": [
                   {"id": "11111111-1111-1111-1111-111111111111", "store": "app", "kind": "POSTGRES",
                    "action": "BACKUP", "database": "shop", "wave": 0, "state": "%s", "agent": "pg-1",
                    "artifact": "runs/shop/%s/app/shop.dump", "bytes": %d,
                    "sha256": "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12",
                    "dispatchedAt": "2026-11-30T09:58:00.200Z", "acceptedAt": "2026-11-30T09:58:00.900Z",
                    "startedAt": "2026-11-30T09:58:01Z" %s,
                    "evidence": {"snapshotTime": "2026-11-30T09:58:01.500Z", "lsn": "0/1A2B3C"}},
                   {"id": "22222222-2222-2222-2222-222222222222", "store": "media", "kind": "OBJECTSTORE",
                    "action": "BACKUP", "wave": 0, "state": "%s", "agent": "os-1",
                    "evidence": {"objects": "42", "listingStartedAt": "2026-11-30T09:58:02Z"}}
                 ]}
                """.formatted(
                        RUN_ID,
                        state,
                        phase,
                        dumpBytes,
                        state.equals("FAILED") ? "\"error\": \"BACKUP app/shop failed: pg_dump exited 1\"," : "",
                        ended ? "\"endedAt\": \"2026-11-30T09:58:09.100Z\", \"durationMillis\": 9100," : "",
                        dumpState,
                        RUN_ID,
                        dumpBytes,
                        dumpState.equals("SUCCEEDED") ? ", \"endedAt\": \"2026-11-30T09:58:05Z\"" : "",
                        ended ? "SUCCEEDED" : "RUNNING");
    }

    static final String STORES = """
            [{"id": "app", "kind": "postgres", "agent": "pg-1", "databases": ["shop"], "attributes": {},
              "lastSeen": "2026-11-30T09:59:58Z", "live": true},
             {"id": "media", "kind": "objectstore", "agent": "os-1", "databases": [], "attributes": {},
              "lastSeen": "2026-11-30T09:40:00Z", "live": false}]
            """;

    static final String AGENTS = """
            [{"id": "pg-1", "kind": "postgres", "version": "0.1.0", "startedAt": "2026-11-30T08:00:00Z",
              "lastSeen": "2026-11-30T09:59:58Z", "live": true, "activeSteps": [], "stores": ["app"]}]
            """;

    static final String PLANS = """
            [{"name": "shop", "stores": ["app", "media"], "schedule": "0 4 * * *",
              "nextRuns": ["2026-12-01T04:00:00Z"]},
             {"name": "never-ran", "stores": ["app"]}]
            """;

    static String problem(int status, String title, String detail, String extra) {
        return "{\"type\": \"about:blank\", \"title\": \"" + title + "\", \"status\": " + status + ", \"detail\": \""
                + detail + "\", \"instance\": \"/api/v1/x\"" + extra + "}";
    }
}
