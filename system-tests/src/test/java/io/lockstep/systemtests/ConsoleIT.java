package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.AppDatabase;
import io.lockstep.systemtests.support.Browser;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.ParsecApp;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The coordinator's console (/console/) in headless Chromium against the real coordinator and agents, after a
 * three-store backup: the plan's freshness, the run in the run list, the run's timeline with one bar per step and its
 * ordering marks, an admin's dry-run restore report, and a viewer who gets no restore button. Screenshots are saved
 * under target/screenshots.
 */
class ConsoleIT {

    static Lockstep lockstep;
    static String plan;
    static String runId;
    static JsonNode run;

    @BeforeAll
    static void backUpThreeStores() throws Exception {
        lockstep = Lockstep.get();
        try (ParsecApp app = new ParsecApp(lockstep)) {
            app.createSchema();
            app.write(40);
        }
        for (String store : List.of(lockstep.parsecStore, lockstep.blocksStore, lockstep.docsStore)) {
            lockstep.api.awaitStoreLive(store);
        }
        plan = "it" + lockstep.id + "-console";
        lockstep.api.putPlan(
                plan,
                "{\"stores\": [\"" + lockstep.parsecStore + "\", \"" + lockstep.blocksStore + "\", \""
                        + lockstep.docsStore + "\"], \"schedule\": \"0 3 * * *\", \"retention\": {\"keepLast\": 7},"
                        + " \"references\": [{\"store\": \"" + lockstep.parsecStore + "\", \"database\": \""
                        + lockstep.parsecDb + "\", \"query\": \"select key from blocks\", \"objects\": \""
                        + lockstep.blocksStore + "\"}]}");
        var started =
                lockstep.api.post("/api/v1/plans/" + plan + "/backups", "{\"label\": \"console\", \"pin\": true}");
        assertEquals(202, started.status(), started.raw());
        runId = started.body().path("id").asText();
        run = lockstep.api.awaitEnd(runId);
        assertEquals("CONSISTENT", run.path("state").asText(), run::toPrettyString);
    }

    @AfterAll
    static void dropDatabase() throws Exception {
        AppDatabase.drop(lockstep.parsecDb);
    }

    @Test
    void anAdminSeesThePlanTheRunItsTimelineAndADryRunReport() throws Exception {
        try (Browser browser = Browser.start()) {
            browser.onFailure("console-admin-failure", () -> asAdmin(browser));
        }
    }

    private static void asAdmin(Browser browser) throws Exception {
        browser.driver.get(lockstep.api.base() + "/console/");
        signIn(browser, "lst_not-a-token");
        browser.awaitText("#status", "not accepted");
        signIn(browser, lockstep.adminToken);
        browser.awaitText("#role", "admin");

        WebElement planRow = row(browser, "#plans", plan);
        assertTrue(planRow.getText().contains("on schedule"), planRow.getText());
        assertFalse(planRow.findElements(By.cssSelector(".fresh-green")).isEmpty(), "the age is green");
        assertTrue(planRow.getText().contains(runId.substring(0, 8)), "the last consistent backup and its pin");
        assertTrue(planRow.getText().contains("keepLast"), planRow.getText());
        browser.screenshot("console-1-plans");

        browser.driver.findElement(By.linkText("Runs")).click();
        browser.await("form.filters input[name=plan]").sendKeys(plan);
        new Select(browser.driver.findElement(By.name("state"))).selectByValue("FAILED");
        browser.driver.findElement(By.cssSelector("form.filters button")).click();
        browser.await("#no-runs");
        assertTrue(browser.driver.getCurrentUrl().contains("state=FAILED"), "the filters are in the route");
        new Select(browser.driver.findElement(By.name("state"))).selectByValue("CONSISTENT");
        browser.driver.findElement(By.cssSelector("form.filters button")).click();
        WebElement runRow = row(browser, "#runs", runId);
        assertEquals(1, browser.all("#runs tbody tr").size(), "only this plan's consistent run");
        assertTrue(runRow.getText().contains("CONSISTENT"), runRow.getText());
        browser.screenshot("console-2-runs");

        runRow.findElement(By.linkText(runId)).click();
        browser.await("#timeline");
        assertEquals(
                run.path("steps").size(),
                browser.all("#timeline .bar").size(),
                "one bar per step of " + run.path("steps").size());
        for (JsonNode step : run.path("steps")) {
            assertEquals(
                    1,
                    browser.all("#timeline .bar[data-step='" + step.path("id").asText() + "']")
                            .size());
        }
        assertEquals(1, browser.all("#timeline .marks .mark-quiesce").size(), "the search store's quiesce window");
        assertEquals(1, browser.all("#timeline .marks .mark-consistency").size(), "the SQL consistency point");
        assertEquals(1, browser.all("#timeline .marks .mark-listing").size(), "the object listing's start");
        assertFalse(browser.all("#timeline .checks li.ok").isEmpty());
        assertTrue(browser.all("#timeline .checks li.bad").isEmpty(), "every ordering check holds");
        String artifacts = browser.await("#artifacts").getText();
        for (JsonNode step : run.path("steps")) {
            if (step.hasNonNull("sha256") && step.hasNonNull("artifact")) {
                assertTrue(artifacts.contains(step.path("sha256").asText()), "hash of " + step.path("artifact"));
            }
        }
        long backupSteps = 0;
        for (JsonNode step : run.path("steps")) {
            if (step.path("action").asText().equals("BACKUP") && step.hasNonNull("artifact")) {
                backupSteps++;
            }
        }
        assertEquals(backupSteps, browser.all("#artifacts tbody tr").size(), "one row per artifact written");
        assertTrue(browser.await("#references").getText().contains(lockstep.blocksStore));
        browser.screenshot("console-3-run");

        browser.await("#dry-run").click();
        String report = browser.await("#dry-run-report").getText();
        assertTrue(report.contains("What a restore would do"), report);
        assertTrue(report.contains(lockstep.parsecStore), report);
        WebElement confirm = browser.await("#confirm-restore");
        assertFalse(confirm.isEnabled(), "the restore waits for the confirmation box");
        browser.driver.findElement(By.id("confirm-check")).click();
        assertTrue(confirm.isEnabled());
        browser.screenshot("console-4-dry-run");

        assertFalse(browser.driver.getCurrentUrl().contains(lockstep.adminToken), "no token in the address");
        assertTrue(Files.size(Browser.SCREENSHOTS.resolve("console-3-run.png")) > 10_000);
    }

    @Test
    void aViewerSeesTheRunButNoRestoreButton() throws Exception {
        try (Browser browser = Browser.start()) {
            browser.onFailure("console-viewer-failure", () -> asViewer(browser));
        }
    }

    private static void asViewer(Browser browser) throws Exception {
        browser.driver.get(lockstep.api.base() + "/console/#/runs/" + runId);
        signIn(browser, lockstep.viewerToken);
        browser.awaitText("#role", "viewer");
        browser.await("#timeline");
        assertEquals(run.path("steps").size(), browser.all("#timeline .bar").size());
        assertTrue(browser.await("#restore-denied").getText().contains("admin role"));
        assertTrue(browser.all("#dry-run").isEmpty(), "no dry-run button for a viewer");
        assertTrue(browser.all("#confirm-restore").isEmpty(), "no restore button for a viewer");
        browser.screenshot("console-5-viewer-run");
    }

    private static void signIn(Browser browser, String token) {
        WebElement field = browser.await("#token");
        field.clear();
        field.sendKeys(token);
        browser.driver
                .findElement(By.cssSelector("#sign-in-form button[type=submit]"))
                .click();
    }

    /** The row of the table {@code table} that names {@code text}, once it is shown. */
    private static WebElement row(Browser browser, String table, String text) {
        browser.awaitText(table, text);
        return browser.all(table + " tbody tr").stream()
                .filter(r -> r.getText().contains(text))
                .findFirst()
                .orElseThrow();
    }
}
