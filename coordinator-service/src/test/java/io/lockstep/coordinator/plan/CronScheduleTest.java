package io.lockstep.coordinator.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class CronScheduleTest {

    @Test
    void dailyAtFourGivesTheNextThreeMornings() {
        var next = CronSchedule.parse("0 4 * * *", ZoneOffset.UTC).next(ZonedDateTime.parse("2026-11-21T08:00:00Z"), 3);
        assertEquals(
                List.of(
                        ZonedDateTime.parse("2026-11-22T04:00Z"),
                        ZonedDateTime.parse("2026-11-23T04:00Z"),
                        ZonedDateTime.parse("2026-11-24T04:00Z")),
                next.stream().map(t -> t.withZoneSameInstant(ZoneOffset.UTC)).toList());
    }

    @Test
    void macrosAndTimezonesAreUnderstood() {
        var next = CronSchedule.parse("@weekly", ZoneId.of("Europe/Paris"))
                .next(ZonedDateTime.parse("2026-11-21T08:00:00Z"), 1);
        assertEquals(
                ZonedDateTime.parse("2026-11-22T00:00+01:00[Europe/Paris]").toInstant(),
                next.get(0).toInstant());
    }

    @Test
    void errorsNameTheWrongField() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("0 25 * * *", ZoneOffset.UTC))
                .getMessage()
                .contains("hour field '25'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("61 4 * * *", ZoneOffset.UTC))
                .getMessage()
                .contains("minute field"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("0 4 * 13 *", ZoneOffset.UTC))
                .getMessage()
                .contains("month field"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("0 4 * *", ZoneOffset.UTC))
                .getMessage()
                .contains("expected 5"));
        assertTrue(
                assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("@fortnightly", ZoneOffset.UTC))
                        .getMessage()
                        .contains("unknown schedule macro"));
    }
}
