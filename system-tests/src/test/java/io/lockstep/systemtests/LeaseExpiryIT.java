package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StoreKind;
import io.lockstep.systemtests.support.Elastic;
import io.lockstep.systemtests.support.Kafka;
import io.lockstep.systemtests.support.Lockstep;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** A quiesce is a lease: when nobody renews it, the search-agent resumes indexing by itself. */
class LeaseExpiryIT {

    @Test
    void whenTheCoordinatorStopsRenewingTheWriteBlockIsGoneWithinTheLease() throws Exception {
        Lockstep lockstep = Lockstep.get();
        lockstep.api.awaitStoreLive(lockstep.badRepoStore);
        Elastic.recreateIndex(lockstep.otherIndex);
        UUID runId = UUID.randomUUID();
        // This test plays a coordinator that quiesces a store and then dies: one command, no renewal.
        var command = new StepCommand(
                runId,
                UUID.randomUUID(),
                "lease-test",
                lockstep.badRepoStore,
                StepAction.QUIESCE,
                null,
                null,
                null,
                Instant.now().plusSeconds(60),
                Map.of(StepCommand.Parameters.LEASE_SECONDS, "3"));
        Kafka.send(
                lockstep.topics.commands(StoreKind.SEARCH),
                lockstep.badRepoStore,
                new EventCodec("/lease-test").encode(EventTypes.STEP_COMMAND, runId.toString(), command));

        Awaitility.await("write block set")
                .atMost(Duration.ofSeconds(30))
                .until(() -> Elastic.writeBlocked(lockstep.otherIndex));
        // The lease is 3 s; the agent checks its leases every second.
        Awaitility.await("write block gone within the lease")
                .atMost(Duration.ofSeconds(3 + 2))
                .until(() -> !Elastic.writeBlocked(lockstep.otherIndex));

        var events = Kafka.readUntil(
                lockstep.topics.agentEvents(),
                records -> records.stream()
                        .anyMatch(r ->
                                runId.toString().equals(r.key()) && r.value().contains(EventTypes.STORE_RESUMED)));
        assertTrue(
                events.stream()
                        .anyMatch(r -> r.value().contains(lockstep.badRepoStore)
                                && r.value().contains(EventTypes.STORE_RESUMED)),
                "the agent reports that it resumed by itself");
    }
}
