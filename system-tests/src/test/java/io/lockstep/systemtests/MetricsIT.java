package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.ParsecApp;
import io.lockstep.systemtests.support.Scrape;
import io.lockstep.systemtests.support.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /q/metrics} of the real coordinator and agents after real runs: a three-store backup that reaches CONSISTENT,
 * a restore drill of it, and a backup that fails. The coordinator's endpoint needs a token, the agents' does not. The
 * alert rules and the Grafana dashboard in {@code deploy/monitoring/} use only metrics these scrapes contain.
 */
class MetricsIT {

    static final Pattern METRIC = Pattern.compile("\\blockstep_[a-z0-9_]+");

    static Lockstep lockstep;
    static ParsecApp app;
    static String plan;
    static String failing;

    @BeforeAll
    static void setUp() throws Exception {
        lockstep = Lockstep.get();
        // Counters are per process: with a second coordinator (ScheduleIT starts one) either may conclude a run.
        lockstep.stopSecondCoordinator();
        app = new ParsecApp(lockstep);
        app.createSchema();
        app.write(50);
        for (String store :
                List.of(lockstep.parsecStore, lockstep.blocksStore, lockstep.docsStore, lockstep.missingDbStore)) {
            lockstep.api.awaitStoreLive(store);
        }
        plan = "it" + lockstep.id + "-metrics";
        lockstep.api.putPlan(
                plan,
                "{\"stores\": [\"" + lockstep.parsecStore + "\", \"" + lockstep.blocksStore + "\", \""
                        + lockstep.docsStore + "\"], \"schedule\": \"0 4 * * *\", \"timezone\": \"UTC\"}");
        failing = "it" + lockstep.id + "-metrics-fails";
        lockstep.api.putPlan(failing, "{\"stores\": [\"" + lockstep.missingDbStore + "\"]}");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (lockstep != null) {
            lockstep.api.delete("/api/v1/plans/" + plan);
            lockstep.api.delete("/api/v1/plans/" + failing);
            io.lockstep.systemtests.support.AppDatabase.drop(lockstep.parsecDb);
        }
    }

    Scrape coordinator(String token) {
        return Scrape.of(lockstep.coordinator.port(), token);
    }

    static double value(Scrape scrape, String name, Map<String, String> labels) {
        OptionalDouble value = scrape.value(name, labels);
        assertTrue(value.isPresent(), name + labels + " is exported: " + scrape.samples(name));
        return value.getAsDouble();
    }

    @Test
    void theCoordinatorAndTheAgentsExportWhatTheAlertsAndTheDashboardUse() throws Exception {
        String runId = lockstep.api.startBackup(plan);
        JsonNode run = lockstep.api.awaitEnd(runId);
        assertEquals("CONSISTENT", run.path("state").asText(), run::toPrettyString);
        Instant consistencyPoint = Instant.parse(run.path("consistencyPoint").asText());

        Map<String, String> dumpFailed = Map.of("store_kind", "POSTGRES", "action", "BACKUP", "reason", "failed");
        double failuresBefore = Scrape.of(lockstep.postgresAgent.port(), null)
                .value("lockstep_agent_step_failures_total", dumpFailed)
                .orElse(0);
        String failedId = lockstep.api.startBackup(failing);
        JsonNode failed = lockstep.api.awaitEnd(failedId);
        assertEquals("FAILED", failed.path("state").asText(), failed::toPrettyString);

        Api.Reply drillReply = lockstep.api.post("/api/v1/runs/" + runId + "/verify", "{\"drill\": true}");
        assertEquals(202, drillReply.status(), drillReply.raw());
        JsonNode drill = lockstep.api.awaitEnd(drillReply.body().path("id").asText());
        assertEquals("SUCCEEDED", drill.path("state").asText(), drill::toPrettyString);

        // Protected as /q/openapi is: no token, no metrics; any role's token reads them.
        assertEquals(401, coordinator(null).status());
        assertEquals(401, coordinator("not-a-token").status());

        // The catalog gauges are refreshed every second in the system tests
        // (lockstep.coordinator.metrics-refresh-every).
        Scrape[] last = new Scrape[1];
        Awaitility.await("the catalog gauges of plan " + plan)
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    last[0] = coordinator(lockstep.viewerToken);
                    return last[0].value("lockstep_last_drill_rto_seconds", Map.of("plan", plan))
                            .isPresent();
                });
        Scrape scrape = last[0];
        assertEquals(200, scrape.status());
        assertEquals(
                1.0,
                value(scrape, "lockstep_runs_total", Map.of("plan", plan, "type", "BACKUP", "state", "CONSISTENT")));
        assertEquals(
                1.0,
                value(scrape, "lockstep_runs_total", Map.of("plan", failing, "type", "BACKUP", "state", "FAILED")));
        assertEquals(
                1.0, value(scrape, "lockstep_runs_total", Map.of("plan", plan, "type", "DRILL", "state", "SUCCEEDED")));
        assertEquals(
                consistencyPoint.toEpochMilli() / 1000.0,
                value(scrape, "lockstep_last_consistent_backup_timestamp_seconds", Map.of("plan", plan)),
                0.001);
        assertTrue(
                scrape.value("lockstep_last_consistent_backup_timestamp_seconds", Map.of("plan", failing))
                        .isEmpty(),
                "a plan without a consistent backup has no last-consistent time");
        assertEquals(86_400.0, value(scrape, "lockstep_plan_schedule_interval_seconds", Map.of("plan", plan)));
        assertEquals(
                drill.path("result").path("rtoMillis").asLong() / 1000.0,
                value(scrape, "lockstep_last_drill_rto_seconds", Map.of("plan", plan)),
                0.001);
        assertEquals(
                1.0,
                value(
                        scrape,
                        "lockstep_verifications_total",
                        Map.of("plan", plan, "kind", "drill", "outcome", "passed")));
        assertEquals(
                1.0, value(scrape, "lockstep_run_duration_seconds_count", Map.of("plan", plan, "state", "CONSISTENT")));
        assertEquals(
                run.path("bytes").asDouble(),
                value(scrape, "lockstep_run_bytes_sum", Map.of("plan", plan, "type", "BACKUP")),
                0.5);
        assertEquals(
                io.lockstep.systemtests.support.Repository.keys(lockstep.blocksBucket, "")
                        .size(),
                value(scrape, "lockstep_run_objects_sum", Map.of("plan", plan)),
                0.001);
        assertEquals(1.0, value(scrape, "lockstep_quiesce_window_seconds_count", Map.of("plan", plan)));
        assertEquals(1.0, value(scrape, "lockstep_agent_up", Map.of("agent", lockstep.agentId)));
        assertTrue(value(scrape, "lockstep_agent_events_lag_seconds", Map.of()) >= 0);
        assertTrue(
                scrape.samples("lockstep_runs_total").stream()
                        .flatMap(s -> s.labels().values().stream())
                        .noneMatch(v -> v.equals(runId) || v.equals(failedId)),
                "no run id in any label");

        // Agents: open on their loopback port; bytes written by the backup's capture.
        Scrape postgres = Scrape.of(lockstep.postgresAgent.port(), null);
        assertEquals(200, postgres.status());
        assertTrue(
                value(postgres, "lockstep_agent_bytes_written_total", Map.of("store_kind", "POSTGRES")) > 0,
                "the postgres-agent counted the bytes it stored");
        assertEquals(
                failuresBefore + 1,
                value(postgres, "lockstep_agent_step_failures_total", dumpFailed),
                "the failed dump is counted once, as reason failed");
        assertTrue(
                value(
                                postgres,
                                "lockstep_agent_child_process_exits_total",
                                Map.of("program", "pg_dump", "outcome", "ok"))
                        >= 1,
                "pg_dump's clean exits are counted");
        Scrape objects = Scrape.of(lockstep.objectstoreAgent.port(), null);
        assertTrue(value(objects, "lockstep_agent_bytes_written_total", Map.of("store_kind", "OBJECTSTORE")) > 0);
        Scrape search = Scrape.of(lockstep.searchAgent.port(), null);
        assertTrue(
                search.value("lockstep_agent_lease_expiries_total", Map.of("store_kind", "SEARCH"))
                        .isPresent(),
                "the search-agent exports its lease expiries (from 0; other tests of the suite may let leases lapse)");

        // Every metric the alert rules and the dashboard use is one of these services' real samples.
        Set<String> exported = new TreeSet<>(scrape.names());
        for (ServiceProcess agent : List.of(lockstep.postgresAgent, lockstep.objectstoreAgent, lockstep.searchAgent)) {
            exported.addAll(Scrape.of(agent.port(), null).names());
        }
        Path monitoring = Path.of(System.getProperty("lockstep.repo.dir", "..")).resolve("deploy/monitoring");
        List<String> expressions = new ArrayList<>();
        JsonNode rules = new ObjectMapper(new YAMLFactory())
                .readTree(monitoring.resolve("lockstep-alerts.yml").toFile());
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                assertFalse(rule.path("alert").asText().isEmpty(), "every rule is an alert with a name: " + rule);
                assertFalse(rule.path("expr").asText().isBlank(), rule.toString());
                expressions.add(rule.path("expr").asText());
            }
        }
        assertTrue(expressions.size() >= 6, "the rules: " + expressions);
        JsonNode dashboard = new ObjectMapper()
                .readTree(monitoring.resolve("lockstep-dashboard.json").toFile());
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                expressions.add(target.path("expr").asText());
            }
        }
        dashboard
                .path("templating")
                .path("list")
                .forEach(v -> expressions.add(v.path("definition").asText()));
        Set<String> used = new TreeSet<>();
        for (String expression : expressions) {
            Matcher m = METRIC.matcher(expression);
            while (m.find()) {
                used.add(m.group());
            }
        }
        assertTrue(used.size() >= 15, "metrics used: " + used);
        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(exported);
        assertEquals(Set.of(), missing, "used by deploy/monitoring/ but exported by no service");
    }
}
