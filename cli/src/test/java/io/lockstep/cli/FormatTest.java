package io.lockstep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FormatTest {

    @Test
    void sizesInBinaryUnits() {
        assertEquals("0 B", Format.bytes(0));
        assertEquals("1023 B", Format.bytes(1023));
        assertEquals("1.0 KiB", Format.bytes(1024));
        assertEquals("1.5 KiB", Format.bytes(1536));
        assertEquals("1.3 GiB", Format.bytes(1_380_000_000L));
    }

    @Test
    void durationsAndAges() {
        assertEquals("850ms", Format.duration(Duration.ofMillis(850)));
        assertEquals("7.1s", Format.duration(Duration.ofMillis(7_100)));
        assertEquals("2m 03s", Format.duration(Duration.ofSeconds(123)));
        assertEquals("1h 02m", Format.duration(Duration.ofMinutes(62)));
        assertEquals("3d 04h", Format.duration(Duration.ofHours(76)));
        Instant now = Instant.parse("2026-11-30T10:00:00Z");
        assertEquals("1h 00m ago", Format.age(now.minusSeconds(3600), now));
        assertEquals("in 5.0s", Format.age(now.plusSeconds(5), now));
        assertNull(Format.age(null, now));
    }

    @Test
    void instantsAsTheApiSendsThem() {
        assertEquals(
                Instant.parse("2026-11-30T09:58:01.500Z"),
                Format.instant(JsonNodeFactory.instance.textNode("2026-11-30T09:58:01.500Z")));
        assertEquals(
                Instant.parse("2026-11-30T09:58:01.500Z"),
                Format.instant(JsonNodeFactory.instance.numberNode(new java.math.BigDecimal("1796032681.5"))));
        assertNull(Format.instant(JsonNodeFactory.instance.nullNode()));
        assertNull(Format.instant("not a time"));
        assertEquals("2026-11-30 09:58:01Z", Format.time(Instant.parse("2026-11-30T09:58:01.900Z")));
    }

    @Test
    void tablesAlignColumnsAndShowEmptyCellsAsADash() {
        String table = new Table("A", "LONGER", "C")
                .row("x", null, "last")
                .row("wide cell", "y\nz", "")
                .render();
        assertEquals("A          LONGER  C\n" + "x          -       last\n" + "wide cell  y z     -\n", table);
        assertThrows(IllegalArgumentException.class, () -> new Table("A", "B").row("only one"));
    }

    @Test
    void aProblemDetailBecomesOneLineWithWhatToDo() {
        ApiProblem problem = ApiProblem.of(
                404,
                "{\"type\":\"about:blank\",\"title\":\"Not found\",\"status\":404,\"detail\":\"no plan named 'x';\\nGET"
                        + " /api/v1/plans lists them\",\"instance\":\"/api/v1/plans/x\"}");
        assertEquals(
                new ApiProblem(404, "Not found", "no plan named 'x';\nGET /api/v1/plans lists them", Map.of()),
                problem);
        assertEquals(
                "lockstep: refused: 404 Not found: no plan named 'x'; GET /api/v1/plans lists them. What to do: check"
                        + " the name or id: 'lockstep plans list' and 'lockstep runs list' show what exists",
                problem.oneLine());
        ApiProblem internal = ApiProblem.of(500, "{\"title\":\"Internal error\",\"status\":500,\"errorId\":\"e-1\"}");
        assertEquals(
                "lockstep: refused: 500 Internal error [errorId=e-1]. What to do: the coordinator failed; its log has"
                        + " the details under errorId e-1",
                internal.oneLine());
    }
}
