package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.FaultEnv;
import io.lockstep.systemtests.support.Faults;
import java.time.Duration;
import java.time.Instant;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: the Kafka broker is stopped for 20 s mid-dump (shorter than the step deadline, longer than the liveness
 * window). Nobody can talk to anybody; the coordinator must not blame the agent for its own lost connection. The run
 * ends CONSISTENT, and a backup started right after the broker is back is accepted.
 */
class BrokerOutageFaultIT {

    static FaultEnv env;

    @BeforeAll
    static void setUp() throws Exception {
        env = FaultEnv.start(Duration.ofSeconds(15));
    }

    @AfterAll
    static void tearDown() {
        try {
            if (!Faults.kafkaAnswers(Duration.ofSeconds(5))) {
                Faults.startKafka();
            }
        } finally {
            if (env != null) {
                env.close();
            }
        }
    }

    @Test
    void aBrokerOutageShorterThanTheStepDeadlineDoesNotFailTheRun() throws Exception {
        int before = env.pauses();
        String runId = env.backup();
        env.awaitPause(before);
        Instant stopped;
        try {
            Faults.stopKafka();
            stopped = Instant.now();
            Thread.sleep(20_000); // the fault: 20 s without a broker
        } finally {
            Faults.startKafka();
        }
        Instant back = Instant.now();
        assertTrue(Duration.between(stopped, back).compareTo(FaultEnv.LIVENESS) > 0, "the outage outlasted the window");

        // Right after the outage, a backup is not refused for heartbeats the coordinator could not receive.
        var second = env.api.post("/api/v1/plans/" + env.plan + "/backups", "{}");
        assertEquals(202, second.status(), second.raw());

        JsonNode run = env.awaitEnd(runId, Duration.ofMinutes(2));
        FaultEnv.record(
                "broker-outage",
                run.path("state").asText() + " " + run.path("error").asText(""),
                Duration.between(back, Instant.now()));
        assertEquals("CONSISTENT", run.path("state").asText(), run::toPrettyString);
        JsonNode after = env.awaitEnd(second.body().get("id").asText(), Duration.ofMinutes(2));
        assertEquals("CONSISTENT", after.path("state").asText(), after::toPrettyString);

        Awaitility.await("no open upload").atMost(Duration.ofSeconds(30)).until(() -> env.openUploads() == 0);
        assertEquals(0, env.tmpObjects());
    }
}
