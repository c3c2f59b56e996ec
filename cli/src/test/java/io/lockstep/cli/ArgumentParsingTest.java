package io.lockstep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the command line accepts and refuses, before anything is sent (the URL points at a closed port). */
class ArgumentParsingTest {

    @TempDir
    Path home;

    private Cli cli() {
        return new Cli(home).env("LOCKSTEP_URL", "http://127.0.0.1:9");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "frobnicate",
                "status --bogus",
                "backup",
                "backup a b",
                "runs",
                "runs show",
                "plans",
                "plans apply",
                "restore",
                "runs list --limit many",
                "status --output xml",
                "audit --status notanumber"
            })
    void usageErrorsExit2AndSendNothing(String line) {
        Cli.Result r = cli().runExactly(line.isEmpty() ? new String[0] : line.split(" "));
        assertEquals(ExitCodes.USAGE, r.code(), r.toString());
        assertTrue(r.err().startsWith("lockstep: "), r.toString());
        assertEquals("", r.out(), "nothing on stdout for a usage error");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--token lst_on_the_command_line", "--token=lst_on_the_command_line", "--token"})
    void aTokenOnTheCommandLineIsRefused(String option) {
        List<String> args = new java.util.ArrayList<>(List.of("status"));
        args.addAll(List.of(option.split(" ")));
        Cli.Result r = cli().runExactly(args.toArray(String[]::new));
        assertEquals(ExitCodes.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("LOCKSTEP_TOKEN") && r.err().contains("--token-file"), r.err());
        assertFalse(r.err().contains("lst_on_the_command_line"), "the refusal does not repeat the token");
    }

    @Test
    void helpAndVersionExit0() {
        Cli.Result help = cli().runExactly("--help");
        assertEquals(ExitCodes.OK, help.code(), help.toString());
        assertTrue(help.out().contains("Exit codes:"), help.out());
        assertEquals(ExitCodes.OK, cli().runExactly("runs", "watch", "--help").code());
        assertEquals(ExitCodes.OK, cli().runExactly("--version").code());
    }

    @Test
    void theGlobalOptionsWorkBeforeAndAfterTheCommand() {
        // Both reach the settings: the URL given is the one found unreachable (exit 4, not a usage error).
        for (String[] args : List.of(
                new String[] {"--url", "http://127.0.0.1:1", "-o", "json", "runs", "list"},
                new String[] {"runs", "list", "--url=http://127.0.0.1:1", "--output=json"})) {
            Cli.Result r = cli().runExactly(args);
            assertEquals(ExitCodes.UNREACHABLE, r.code(), r.toString());
            assertTrue(r.err().contains("http://127.0.0.1:1"), r.err());
        }
    }

    @Test
    void restoreTargetsBecomeTheApisTargetObject() {
        ObjectNode targets = RestoreCommand.targets(List.of(
                "app.shop=shop_copy",
                "app.orders=orders_copy",
                "media.bucket=media-copy",
                "media.prefix=copy/",
                "search.renamePrefix=restored-",
                "my.store.with.dots.db=x"));
        assertEquals(
                "{\"app\":{\"databases\":{\"shop\":\"shop_copy\",\"orders\":\"orders_copy\"}},"
                        + "\"media\":{\"bucket\":\"media-copy\",\"prefix\":\"copy/\"},"
                        + "\"search\":{\"renamePattern\":\"(.+)\",\"renameReplacement\":\"restored-$1\"},"
                        + "\"my.store.with.dots\":{\"databases\":{\"db\":\"x\"}}}",
                targets.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"app", "app=x", ".db=x", "app.=x", "app.db="})
    void malformedTargetsAreUsageErrors(String target) {
        CliException e = assertThrows(CliException.class, () -> RestoreCommand.targets(List.of(target)));
        assertEquals(ExitCodes.USAGE, e.exitCode());
        Cli.Result r = cli().runExactly("restore", "00000000-0000-0000-0000-000000000001", "--target", target);
        assertEquals(ExitCodes.USAGE, r.code(), r.toString());
    }

    @Test
    void aRestoreBodyHoldsOnlyWhatWasAskedFor() {
        assertEquals("{}", RestoreCommand.body(null, null, false, false, false).toString());
        assertEquals(
                "{\"stores\":[\"a\",\"b\"],\"dryRun\":true,\"force\":true,\"prune\":true}",
                RestoreCommand.body(List.of("a", "b"), List.of(), true, true, true)
                        .toString());
    }

    @Test
    void aPlanIsNamedByTheFlagThenItsNameFieldThenItsFile() {
        assertEquals("flag", PlansCommand.ApplyPlan.planName("flag", "field", "dir/file.json"));
        assertEquals("field", PlansCommand.ApplyPlan.planName(null, "field", "dir/file.json"));
        assertEquals("file", PlansCommand.ApplyPlan.planName(null, null, "dir/file.json"));
        assertEquals(
                ExitCodes.USAGE,
                assertThrows(CliException.class, () -> PlansCommand.ApplyPlan.planName(null, null, "-"))
                        .exitCode());
    }
}
