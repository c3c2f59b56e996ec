package io.lockstep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SettingsTest {

    @TempDir
    Path home;

    private Path configFile(String content, String mode) throws IOException {
        Path file = home.resolve(".config/lockstep/config");
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    private Path tokenFile(String name, String content) throws IOException {
        Path file = home.resolve(name);
        Files.writeString(file, content);
        return file;
    }

    @Test
    void aFlagBeatsTheEnvironmentWhichBeatsTheConfigFile() throws IOException {
        configFile("url=http://file:1\ntoken=from-file\n", "rw-------");
        Path tokenFile = tokenFile("token", "from-flag-file\nsecond line ignored\n");
        Map<String, String> env = Map.of("LOCKSTEP_URL", "http://env:2", "LOCKSTEP_TOKEN", "from-env");

        Settings flags = Settings.resolve("http://flag:3", tokenFile, null, env, home);
        assertEquals(URI.create("http://flag:3"), flags.url());
        assertEquals("from-flag-file", flags.token());

        Settings environment = Settings.resolve(null, null, null, env, home);
        assertEquals(URI.create("http://env:2"), environment.url());
        assertEquals("from-env", environment.token());

        Settings file = Settings.resolve(null, null, null, Map.of(), home);
        assertEquals(URI.create("http://file:1"), file.url());
        assertEquals("from-file", file.token());
    }

    @Test
    void eachSettingFallsBackOnItsOwn() throws IOException {
        configFile("url=http://file:1\ntoken=from-file\n", "rw-------");
        Settings mixed = Settings.resolve(null, null, null, Map.of("LOCKSTEP_TOKEN", "from-env"), home);
        assertEquals(URI.create("http://file:1"), mixed.url(), "url from the file");
        assertEquals("from-env", mixed.token(), "token from the environment");
    }

    @Test
    void withoutAnySourceTheLocalCoordinatorAndNoToken() {
        Settings none = Settings.resolve(null, null, null, Map.of(), home);
        assertEquals(URI.create(Settings.DEFAULT_URL), none.url());
        assertNull(none.token());
    }

    @Test
    void tokenFilesNamedByTheEnvironmentOrTheConfigFileAreRead() throws IOException {
        Path envToken = tokenFile("env-token", "t-env-file\n");
        assertEquals(
                "t-env-file",
                Settings.resolve(null, null, null, Map.of("LOCKSTEP_TOKEN_FILE", envToken.toString()), home)
                        .token());
        Path fileToken = tokenFile("file-token", "t-config-file");
        configFile("token-file=" + fileToken + "\n", "rw-------");
        assertEquals(
                "t-config-file",
                Settings.resolve(null, null, null, Map.of(), home).token());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-r--r--", "rw-rw----", "rw----r--", "rwx------", "r--r-----"})
    void aConfigFileOthersMayReadIsRefused(String mode) throws IOException {
        Path file = configFile("token=secret-in-file\n", mode);
        CliException e = assertThrows(CliException.class, () -> Settings.resolve(null, null, null, Map.of(), home));
        assertEquals(ExitCodes.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("chmod 600 " + file), e.getMessage());
        assertFalse(e.getMessage().contains("secret-in-file"), "the refusal never shows the token");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-------", "r--------"})
    void aConfigFileOnlyItsOwnerMayReadIsAccepted(String mode) throws IOException {
        configFile("token=t\n", mode);
        assertEquals("t", Settings.resolve(null, null, null, Map.of(), home).token());
    }

    @Test
    void theConfigFileIsCheckedEvenWhenFlagsAndEnvironmentSetEverything() throws IOException {
        configFile("token=t\n", "rw-r--r--");
        Map<String, String> env = Map.of("LOCKSTEP_URL", "http://env:2", "LOCKSTEP_TOKEN", "e");
        assertThrows(CliException.class, () -> Settings.resolve("http://flag:1", null, null, env, home));
    }

    @Test
    void theConfigFileCanBeNamedAndAMissingNamedFileIsAnError() throws IOException {
        Path other = home.resolve("other-config");
        Files.writeString(other, "url=http://other:9\n");
        Files.setPosixFilePermissions(other, PosixFilePermissions.fromString("rw-------"));
        assertEquals(
                URI.create("http://other:9"),
                Settings.resolve(null, null, other, Map.of(), home).url());
        assertEquals(
                URI.create("http://other:9"),
                Settings.resolve(null, null, null, Map.of("LOCKSTEP_CONFIG", other.toString()), home)
                        .url());
        Map<String, String> xdg = new HashMap<>();
        xdg.put("XDG_CONFIG_HOME", home.resolve("xdg").toString());
        assertEquals(home.resolve("xdg/lockstep/config"), Settings.configFile(null, xdg, home));
        CliException missing = assertThrows(
                CliException.class, () -> Settings.resolve(null, null, home.resolve("nope"), Map.of(), home));
        assertEquals(ExitCodes.USAGE, missing.exitCode());
    }

    @Test
    void anUnknownKeyInTheConfigFileIsRefused() throws IOException {
        configFile("url=http://a:1\ntokn=typo\n", "rw-------");
        CliException e = assertThrows(CliException.class, () -> Settings.resolve(null, null, null, Map.of(), home));
        assertTrue(e.getMessage().contains("'tokn'"), e.getMessage());
    }

    @Test
    void anEmptyOrMissingTokenFileIsAnError() throws IOException {
        Path empty = tokenFile("empty", "\n");
        assertEquals(
                ExitCodes.USAGE,
                assertThrows(CliException.class, () -> Settings.resolve(null, empty, null, Map.of(), home))
                        .exitCode());
        assertEquals(
                ExitCodes.USAGE,
                assertThrows(
                                CliException.class,
                                () -> Settings.resolve(null, home.resolve("missing"), null, Map.of(), home))
                        .exitCode());
    }

    @Test
    void theUrlIsNormalisedAndMustBeHttp() {
        assertEquals(URI.create("http://h:8080"), Settings.parseUrl("http://h:8080/api/v1/"));
        assertEquals(URI.create("https://h/base"), Settings.parseUrl(" https://h/base// "));
        assertEquals(
                ExitCodes.USAGE,
                assertThrows(CliException.class, () -> Settings.parseUrl("ftp://h"))
                        .exitCode());
        assertEquals(
                ExitCodes.USAGE,
                assertThrows(CliException.class, () -> Settings.parseUrl("h:8080"))
                        .exitCode());
    }

    @Test
    void settingsNeverPrintTheToken() {
        assertFalse(
                new Settings(URI.create("http://h"), "lst_secret").toString().contains("lst_secret"));
    }
}
