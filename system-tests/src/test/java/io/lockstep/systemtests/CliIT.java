package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.CommandLines;
import io.lockstep.systemtests.support.Lockstep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged CLI ({@code deploy/local/lockstep}, run as a real process) against the real coordinator: it sees a
 * live store, backs a plan up to CONSISTENT while following it, shows the run's steps, watches it on the event
 * stream, runs a restore dry run (JSON parsed), pins it, maps refusals to exit 3 and keeps the token off every
 * command line.
 */
class CliIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static Lockstep lockstep;
    static Path home;
    /** Every command line seen of the CLI's processes (the launcher, then the JVM it execs). */
    static final Map<Long, String> commandLines = new ConcurrentHashMap<>();

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @BeforeAll
    static void setUp() throws Exception {
        lockstep = Lockstep.get();
        home = lockstep.workDirectory("cli-home");
        AppDatabase.recreate(lockstep.ordersDb);
        AppDatabase.fillShop(lockstep.ordersDb, 500);
        lockstep.api.awaitStoreLive(lockstep.singleStore);
    }

    @AfterAll
    static void dropDatabase() throws Exception {
        if (lockstep != null) {
            AppDatabase.drop(lockstep.ordersDb);
        }
    }

    /** Runs {@code deploy/local/lockstep ARGS} with the token in its environment only, and samples its command lines. */
    static Result lockstep(String token, String... args) throws IOException, InterruptedException {
        Path repo = Path.of(System.getProperty("lockstep.repo.dir", ".."));
        List<String> command = new ArrayList<>();
        command.add(repo.resolve("deploy/local/lockstep").toString());
        command.addAll(List.of(args));
        Path out = Files.createTempFile(home, "out", ".txt");
        Path err = Files.createTempFile(home, "err", ".txt");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("LOCKSTEP_") || k.equals("XDG_CONFIG_HOME"));
        env.put("HOME", home.toString()); // no operator's config file
        env.put("LOCKSTEP_URL", "http://127.0.0.1:" + lockstep.coordinator.port());
        env.put("LOCKSTEP_TOKEN", token);
        Process process = builder.start();
        try (CommandLines sampler = new CommandLines(List.of(process.pid()))) {
            if (!process.waitFor(4, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("lockstep " + String.join(" ", args) + " did not end within 4 minutes");
            }
            commandLines.putAll(sampler.seen());
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void theCliBacksUpAPlanAndShowsTheRunAgainstTheRealCoordinator() throws Exception {
        String plan = "it" + lockstep.id + "-cli";
        Path planFile = home.resolve("plan.json");
        Files.writeString(planFile, "{\"stores\": [\"" + lockstep.singleStore + "\"]}");

        Result apply = lockstep(lockstep.adminToken, "plans", "apply", "-f", planFile.toString(), "--name", plan);
        assertEquals(0, apply.code(), apply.toString());
        assertEquals("created plan " + plan + "\n", apply.out());

        Result status = lockstep(lockstep.adminToken, "status");
        assertEquals(0, status.code(), status.toString());
        assertTrue(
                status.out()
                        .lines()
                        .anyMatch(l -> l.matches(Pattern.quote(lockstep.singleStore) + "\\s+\\S+\\s+"
                                + Pattern.quote(lockstep.agentId) + "\\s+live\\s.*")),
                "the store is listed live: " + status);
        assertTrue(
                status.out().lines().anyMatch(l -> l.matches(Pattern.quote(plan) + "\\s+-\\s+never\\s+none.*")),
                "the new plan has no run yet: " + status);

        Result backup = lockstep(lockstep.adminToken, "backup", plan, "--label", "from the cli", "--wait");
        assertEquals(0, backup.code(), backup.toString());
        Matcher started = Pattern.compile("started backup of plan " + Pattern.quote(plan) + ": run (\\S+)")
                .matcher(backup.out());
        assertTrue(started.find(), backup.toString());
        String runId = started.group(1);
        assertTrue(backup.out().contains("run " + runId + " CONSISTENT after "), backup.toString());
        assertTrue(
                backup.out().lines().anyMatch(l -> l.contains("VERIFY") && l.contains("SUCCEEDED")),
                "the verification step is followed: " + backup);
        JsonNode run = lockstep.api.get("/api/v1/runs/" + runId).body();
        assertEquals("CONSISTENT", run.path("state").asText(), run::toPrettyString);
        assertEquals("from the cli", run.path("label").asText());

        Result show = lockstep(lockstep.adminToken, "runs", "show", runId);
        assertEquals(0, show.code(), show.toString());
        String where = Pattern.quote(lockstep.singleStore + "/" + lockstep.ordersDb);
        for (String action : List.of("BACKUP", "VERIFY")) {
            assertTrue(
                    show.out()
                            .lines()
                            .anyMatch(l ->
                                    l.matches("\\d+\\s+" + action + "\\s+" + where + "\\s+POSTGRES\\s+SUCCEEDED\\s.*")),
                    action + " step listed as SUCCEEDED: " + show);
        }
        assertTrue(show.out().contains("state:             CONSISTENT (DONE)"), show.toString());
        assertTrue(show.out().contains("runs/" + plan + "/" + runId + "/"), "the artifact is listed: " + show);
        assertTrue(show.out().contains("TIMELINE") && show.out().contains("run ended CONSISTENT"), show.toString());

        Result json = lockstep(lockstep.adminToken, "runs", "show", runId, "-o", "json");
        assertEquals(0, json.code(), json.toString());
        assertEquals(run.path("id"), JSON.readTree(json.out()).path("id"));

        // watch reads the run's event stream: an ended run is sent once, and the stream ends with it
        Result watch = lockstep(lockstep.adminToken, "runs", "watch", runId, "-o", "json");
        assertEquals(0, watch.code(), watch.toString());
        List<String> watched = watch.out().lines().toList();
        assertEquals(1, watched.size(), "an ended run is sent once: " + watch);
        assertEquals("CONSISTENT", JSON.readTree(watched.get(0)).path("state").asText(), watch.toString());

        Result dryRun = lockstep(
                lockstep.adminToken,
                "restore",
                runId,
                "--dry-run",
                "--target",
                lockstep.singleStore + "." + lockstep.ordersDb + "=cli_" + lockstep.id + "_copy",
                "-o",
                "json");
        assertEquals(0, dryRun.code(), dryRun.toString());
        JsonNode report = JSON.readTree(dryRun.out());
        assertEquals("SUCCEEDED", report.path("state").asText(), dryRun.toString());
        assertTrue(report.path("result").path("steps").size() > 0, "the report lists the restore's steps: " + dryRun);
        assertFalse(AppDatabase.exists("cli_" + lockstep.id + "_copy"), "a dry run creates nothing");

        Result pin = lockstep(lockstep.adminToken, "runs", "pin", runId);
        assertEquals(0, pin.code(), pin.toString());
        assertTrue(
                lockstep.api.get("/api/v1/runs/" + runId).body().path("pinned").asBoolean(), pin.toString());

        Result cancelEnded = lockstep(lockstep.adminToken, "runs", "cancel", runId);
        assertEquals(3, cancelEnded.code(), cancelEnded.toString());
        assertTrue(cancelEnded.err().contains("409 Run already ended"), cancelEnded.toString());
        assertEquals(
                "CONSISTENT",
                lockstep.api.get("/api/v1/runs/" + runId).body().path("state").asText(),
                "an ended run stays as it was");

        Result refused = lockstep(lockstep.viewerToken, "backup", plan);
        assertEquals(3, refused.code(), refused.toString());
        assertTrue(refused.err().startsWith("lockstep: refused: 403 Forbidden: "), refused.toString());
        assertEquals(1, refused.err().lines().count(), "one line: " + refused);
        assertEquals(
                1,
                lockstep.api
                        .get("/api/v1/runs?plan=" + plan + "&type=backup")
                        .body()
                        .size(),
                "the viewer's backup was not started (the dry run is a run of the plan too)");

        Result unreachable =
                lockstep(lockstep.adminToken, "status", "--url", "http://127.0.0.1:" + Lockstep.freePort());
        assertEquals(4, unreachable.code(), unreachable.toString());

        assertTrue(
                commandLines.values().stream().anyMatch(l -> l.contains("io.lockstep.cli.Main")),
                "the sampler saw the CLI's JVM: " + commandLines.values());
        for (String line : commandLines.values()) {
            assertFalse(line.contains(lockstep.adminToken), "the admin token is on a command line: " + line);
            assertFalse(line.contains(lockstep.viewerToken), "the viewer token is on a command line: " + line);
        }
    }
}
