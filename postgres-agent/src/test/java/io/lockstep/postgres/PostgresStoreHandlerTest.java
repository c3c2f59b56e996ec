package io.lockstep.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.postgres.config.PostgresAgentConfig;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The agent checks a reference query again before any connection: a stored plan may predate the coordinator's check. */
class PostgresStoreHandlerTest {

    private static PostgresAgentConfig config() {
        PostgresAgentConfig.Store store = new PostgresAgentConfig.Store() {
            public String host() {
                return "127.0.0.1";
            }

            public int port() {
                return 5432;
            }

            public String user() {
                return "backup";
            }

            public Optional<String> password() {
                return Optional.empty();
            }

            public Optional<Path> passwordFile() {
                return Optional.empty();
            }

            public List<String> databases() {
                return List.of("shop");
            }

            public String sslmode() {
                return "disable";
            }

            public boolean pointInTimeRecovery() {
                return false;
            }
        };
        return new PostgresAgentConfig() {
            public Map<String, Store> stores() {
                return Map.of("app", store);
            }

            public Optional<Path> binDir() {
                return Optional.empty();
            }

            public Duration connectTimeout() {
                return Duration.ofSeconds(1);
            }

            public Duration lockWaitTimeout() {
                return Duration.ofSeconds(1);
            }

            public Duration queryTimeout() {
                return Duration.ofMinutes(5);
            }

            public Duration censusTimeout() {
                return Duration.ofHours(1);
            }

            public Duration idleInTransactionTimeout() {
                return Duration.ofMinutes(1);
            }

            public Compression compression() {
                return new Compression() {
                    public String codec() {
                        return "zstd";
                    }

                    public int level() {
                        return 3;
                    }

                    public int workers() {
                        return 0;
                    }
                };
            }

            public Recovery recovery() {
                return new Recovery() {
                    public Optional<Path> dir() {
                        return Optional.empty();
                    }

                    public Optional<String> runAs() {
                        return Optional.empty();
                    }

                    public Duration timeout() {
                        return Duration.ofMinutes(1);
                    }
                };
            }

            public Restore restore() {
                return new Restore() {
                    public int jobs() {
                        return 2;
                    }

                    public Optional<Path> spoolDir() {
                        return Optional.empty();
                    }

                    public long spoolReserveMib() {
                        return 256;
                    }
                };
            }
        };
    }

    private static StepCommand command(StepAction action, String query) {
        return new StepCommand(
                UUID.randomUUID(),
                UUID.randomUUID(),
                "shop-nightly",
                "app",
                action,
                "shop",
                "runs/shop-nightly/x/app/shop.dump",
                null,
                Instant.now().plusSeconds(60),
                Map.of(
                        StepCommand.Parameters.REFERENCE_QUERY,
                        query,
                        StepCommand.Parameters.REFERENCE_ARTIFACT,
                        "runs/shop-nightly/x/app/shop.refs.txt.gz"));
    }

    @Test
    void aBackupOrRestoreWithSeveralStatementsInItsReferenceQueryFailsNamingTheProblem() {
        // No backup or restore bean: a step that got past the check would fail on them, not name the query.
        PostgresStoreHandler handler = new PostgresStoreHandler(config(), null, null, null, null, null);
        for (StepAction action : List.of(StepAction.BACKUP, StepAction.RESTORE)) {
            StepFailure failure = assertThrows(
                    StepFailure.class,
                    () -> handler.execute(command(action, "select key from images; drop table images"), null));
            assertEquals(
                    "refused the reference query of app/shop: reference query must be a single SELECT statement: "
                            + "found ';' at position 23 (remove it, also at the end)",
                    failure.getMessage());
        }
        StepFailure write = assertThrows(
                StepFailure.class,
                () -> handler.execute(
                        command(StepAction.BACKUP, "with d as (delete from images returning key) select key from d"),
                        null));
        assertEquals(
                "refused the reference query of app/shop: reference query must be a read-only SELECT: found DELETE at "
                        + "position 12 (quote a column of that name: \"delete\")",
                write.getMessage());
    }
}
