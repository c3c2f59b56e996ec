package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.protocol.Topics;
import io.lockstep.systemtests.support.FaultEnv;
import io.lockstep.systemtests.support.Kafka;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: the scenario's catalog database refuses connections for 20 s mid-dump ({@code ALLOW_CONNECTIONS false}
 * and every session of it terminated). Heartbeats and the step's events arrive meanwhile; the coordinator must wait
 * them out (a transient catalog failure is retried, not dead-lettered), so the run ends CONSISTENT and nothing of
 * this agent or run reaches {@code lockstep.agent-events.dlq}.
 */
class CatalogOutageFaultIT {

    static final Duration OUTAGE = Duration.ofSeconds(20);
    static FaultEnv env;

    @BeforeAll
    static void setUp() throws Exception {
        env = FaultEnv.start(Duration.ofSeconds(6));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (env != null) {
            allowConnections(true);
            env.close();
        }
    }

    private static void allowConnections(boolean allow) throws SQLException {
        try (var c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
                var st = c.createStatement()) {
            st.execute("ALTER DATABASE " + env.catalog + " ALLOW_CONNECTIONS " + allow);
            if (!allow) {
                st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + env.catalog
                        + "' AND pid <> pg_backend_pid()");
            }
        }
    }

    @Test
    void aCatalogOutageMidRunDelaysEventsButLosesNone() throws Exception {
        int before = env.pauses();
        String runId = env.backup();
        env.awaitPause(before);
        allowConnections(false);
        Instant cut = Instant.now();
        Thread.sleep(OUTAGE.toMillis()); // the agent finishes its dump and reports while the catalog is away
        allowConnections(true);
        Instant back = Instant.now();

        JsonNode run = env.awaitEnd(runId, Duration.ofMinutes(2));
        Duration toTerminal = Duration.between(back, Instant.now());
        FaultEnv.record(
                "catalog-outage",
                run.path("state").asText() + " " + run.path("error").asText(""),
                toTerminal);
        assertEquals("CONSISTENT", run.path("state").asText(), () -> "cut at " + cut + ": " + run.toPrettyString());
        // Five failed attempts were where events used to be dead-lettered: the outage outlasted them.
        int held = env.coordinator.occurrences("the catalog failed transiently");
        assertTrue(held >= 5, "the outage held agent events back beyond the old five attempts: " + held);

        List<String> dead = Kafka.readAll(Topics.deadLetter(env.topics.agentEvents()), Kafka.plaintext()).stream()
                .map(r -> r.value())
                .filter(v -> v.contains(env.agentId) || v.contains(runId))
                .toList();
        assertEquals(List.of(), dead, "agent events dead-lettered during the outage");

        JsonNode retry = env.awaitEnd(env.backup(), Duration.ofMinutes(2));
        assertEquals("CONSISTENT", retry.path("state").asText(), retry::toPrettyString);
    }
}
