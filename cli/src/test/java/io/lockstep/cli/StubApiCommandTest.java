package io.lockstep.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A command test's set-up: a home directory, a stand-in API started and stopped around each test, and a CLI aimed at it. */
abstract class StubApiCommandTest {

    @TempDir
    Path home;

    StubApi api;

    @BeforeEach
    void start() throws IOException {
        api = new StubApi();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    Cli cli() {
        return new Cli(home).env("LOCKSTEP_URL", api.url()).env("LOCKSTEP_TOKEN", "lst_env_token");
    }
}
