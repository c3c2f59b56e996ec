package io.lockstep.postgres.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.postgres.config.PostgresAgentConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConnectionTest {

    static PostgresAgentConfig.Store store(Optional<String> password, Optional<Path> passwordFile) {
        return new PostgresAgentConfig.Store() {
            public String host() {
                return "db.internal";
            }

            public int port() {
                return 5432;
            }

            public String user() {
                return "backup:user";
            }

            public Optional<String> password() {
                return password;
            }

            public Optional<Path> passwordFile() {
                return passwordFile;
            }

            public List<String> databases() {
                return List.of("app");
            }

            public String sslmode() {
                return "require";
            }

            public boolean pointInTimeRecovery() {
                return false;
            }
        };
    }

    @Test
    void thePasswordGoesToAPrivatePassFileAndNeverToArgumentsOrText() throws Exception {
        var db = new Connection("app", store(Optional.of("p:a\\ss"), Optional.empty()), "app", 10);
        Path file = db.writePassFile();
        try {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals("db.internal:5432:*:backup\\:user:p\\:a\\\\ss\n", Files.readString(file));
            assertEquals(file.toString(), db.libpqEnvironment(file).get("PGPASSFILE"));
            assertFalse(db.libpqEnvironment(file).containsKey("PGPASSWORD"));
            assertTrue(db.libpqArguments().stream().noneMatch(a -> a.contains("p:a")), "no password argument");
            assertTrue(db.libpqArguments().contains("--no-password"), "never prompts");
            assertFalse(db.toString().contains("p:a"));
            assertEquals(List.of("p:a\\ss"), db.secrets());
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void aPasswordFileWinsOverThePasswordProperty() throws Exception {
        Path secret = Files.createTempFile("pw", "");
        Files.writeString(secret, "from-file\nignored second line\n");
        var db = new Connection("app", store(Optional.of("from-property"), Optional.of(secret)), "app", 10);
        assertEquals("from-file", db.jdbcProperties().getProperty("password"));
        Files.delete(secret);
    }

    @Test
    void anUnreadablePasswordFileIsAReadableFailureWithoutTheSecret() {
        var e = assertThrows(
                StepFailure.class,
                () -> new Connection(
                        "app", store(Optional.empty(), Optional.of(Path.of("/nonexistent/pw"))), "app", 10));
        assertTrue(e.getMessage().contains("/nonexistent/pw"), e.getMessage());
    }
}
