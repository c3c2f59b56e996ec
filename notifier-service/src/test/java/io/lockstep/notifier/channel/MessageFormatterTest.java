package io.lockstep.notifier.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.PlanEvent;
import io.lockstep.protocol.RunEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MessageFormatterTest {

    private static final UUID RUN = UUID.fromString("0b6f3a52-7c1e-4d0e-9a53-2f1c0f4e8b11");
    private static final Instant START = Instant.parse("2026-11-21T04:00:00Z");

    @Test
    void failedBackupNamesPlanStateDurationSizeAndReason() {
        RunEvent run = new RunEvent(
                RUN,
                "shop-nightly",
                "BACKUP",
                "FAILED",
                null,
                "pre-release",
                1_288_490_189L,
                "step app/shop failed: pg_dump exited 1",
                START.plusSeconds(192),
                START,
                null,
                false);

        MessageFormatter.Message message = MessageFormatter.run(EventTypes.RUN_FAILED, run);

        assertEquals("Backup of plan shop-nightly FAILED", message.headline());
        String text = message.text();
        assertTrue(text.contains("Plan: shop-nightly\n"), text);
        assertTrue(text.contains("Run: " + RUN + "\n"), text);
        assertTrue(text.contains("State: FAILED\n"), text);
        assertTrue(text.contains("Duration: 3m 12s\n"), text);
        assertTrue(text.contains("Size: 1.2 GiB\n"), text);
        assertTrue(text.contains("Label: pre-release\n"), text);
        assertTrue(text.contains("Reason: step app/shop failed: pg_dump exited 1\n"), text);
    }

    @Test
    void missingValuesAreLeftOutInsteadOfPrintedAsNull() {
        RunEvent run =
                new RunEvent(RUN, "shop-nightly", "BACKUP", "RUNNING", null, null, 0, null, START, null, null, false);

        String text = MessageFormatter.run(EventTypes.RUN_STARTED, run).text();

        assertFalse(text.contains("null"), text);
        assertFalse(text.contains("Duration"), text);
        assertFalse(text.contains("Size"), text);
        assertEquals(
                "Backup of plan shop-nightly started",
                MessageFormatter.run(EventTypes.RUN_STARTED, run).headline());
    }

    @Test
    void drillFailureAndRestoreHaveTheirOwnHeadlines() {
        RunEvent drill = new RunEvent(
                RUN,
                "shop",
                "DRILL",
                "FAILED",
                null,
                null,
                0,
                "2 dangling references",
                START.plusSeconds(7300),
                START,
                UUID.randomUUID(),
                false);
        assertEquals(
                "Restore drill of plan shop FAILED",
                MessageFormatter.run(EventTypes.RESTORE_FAILED, drill).headline());
        assertEquals(
                "Backup of plan shop FAILED its restore drill",
                MessageFormatter.run(EventTypes.RUN_VERIFICATION_FAILED, drill).headline());
        assertTrue(MessageFormatter.run(EventTypes.RESTORE_FAILED, drill).text().contains("Duration: 2h 01m\n"));
    }

    @Test
    void stalePlanSaysWhenItLastHadAConsistentBackup() {
        PlanEvent stale = new PlanEvent(
                "shop-nightly",
                "no CONSISTENT run for 50h (limit 48h)",
                null,
                Instant.parse("2026-11-19T04:10:00Z"),
                START);

        MessageFormatter.Message message = MessageFormatter.plan(EventTypes.PLAN_STALE, stale);

        assertEquals("Plan shop-nightly is STALE: no consistent backup for too long", message.headline());
        assertTrue(message.text().contains("Reason: no CONSISTENT run for 50h (limit 48h)\n"));
        assertTrue(message.text().contains("Last consistent backup: 2026-11-19T04:10:00Z\n"));
        PlanEvent never = new PlanEvent("p", "never succeeded", null, null, START);
        assertTrue(
                MessageFormatter.plan(EventTypes.PLAN_STALE, never).text().contains("Last consistent backup: never\n"));
    }

    @Test
    void slackTextIsBoldHeadlineAndEscapesMarkup() {
        RunEvent run =
                new RunEvent(RUN, "a<b>&c", "BACKUP", "FAILED", null, null, 0, "<script>", START, null, null, false);

        String slack = MessageFormatter.run(EventTypes.RUN_FAILED, run).slackText();

        assertTrue(slack.startsWith("*Backup of plan a&lt;b&gt;&amp;c FAILED*\n"), slack);
        assertTrue(slack.contains("Reason: &lt;script&gt;"), slack);
    }

    @Test
    void durationsAndSizesReadNaturally() {
        assertEquals("0s", MessageFormatter.duration(Duration.ofSeconds(-3)));
        assertEquals("45s", MessageFormatter.duration(Duration.ofSeconds(45)));
        assertEquals("1m 0s", MessageFormatter.duration(Duration.ofSeconds(60)));
        assertEquals("2h 05m", MessageFormatter.duration(Duration.ofMinutes(125)));
        assertEquals("3d 4h", MessageFormatter.duration(Duration.ofHours(76)));
        assertEquals("512 B", MessageFormatter.size(512));
        assertEquals("1.5 KiB", MessageFormatter.size(1536));
        assertEquals("300.0 MiB", MessageFormatter.size(300L * 1024 * 1024));
        assertEquals("2.0 TiB", MessageFormatter.size(2L << 40));
    }
}
