package io.lockstep.agent.core.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.agent.core.config.AgentConfig;
import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StoreKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LeaseManagerTest {

    private static final AgentConfig CONFIG = TestAgentConfigs.agent("test-agent");

    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch resumedB = new CountDownLatch(1);
    private final Set<String> expiredTold = ConcurrentHashMap.newKeySet();

    /** Store "hung" has a resume hook that never returns (until the test ends); store "b" resumes at once. */
    private final StoreHandler handler = new StoreHandler() {
        @Override
        public StoreKind kind() {
            return StoreKind.SEARCH;
        }

        @Override
        public List<Heartbeat.Store> stores() {
            return List.of(
                    new Heartbeat.Store("hung", StoreKind.SEARCH, List.of(), Map.of()),
                    new Heartbeat.Store("b", StoreKind.SEARCH, List.of(), Map.of()));
        }

        @Override
        public StepResult execute(StepCommand command, StepContext context) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Map<String, String> quiesce(String store) {
            return Map.of();
        }

        @Override
        public boolean quiescable(String store) {
            return true;
        }

        @Override
        public Map<String, String> resume(String store) {
            if (store.equals("hung")) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else {
                resumedB.countDown();
            }
            return Map.of();
        }
    };

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private final LeaseManager leases = new LeaseManager(
            handler,
            new AgentEvents(null, CONFIG) {
                @Override
                void leaseExpired(UUID runId, UUID stepId, String store, Instant leaseUntil, Instant resumedAt) {
                    expiredTold.add(store);
                }
            },
            registry);

    @AfterEach
    void unhang() {
        release.countDown();
    }

    @Test
    void aHungResumeDoesNotHoldUpTheExpiryOfAnotherStore() throws Exception {
        LeaseManager.Hold hung =
                leases.quiesce("hung", UUID.randomUUID(), UUID.randomUUID(), Duration.ofMillis(1), new HashMap<>());
        LeaseManager.Hold b =
                leases.quiesce("b", UUID.randomUUID(), UUID.randomUUID(), Duration.ofMillis(1), new HashMap<>());
        org.awaitility.Awaitility.await("both leases lapsed")
                .atMost(Duration.ofSeconds(5))
                .until(() ->
                        Instant.now().isAfter(hung.until()) && Instant.now().isAfter(b.until()));

        // The hung store's resume never returns before the test ends: expire() must come back all the same.
        CompletableFuture.runAsync(leases::expire).get(10, TimeUnit.SECONDS);
        assertTrue(resumedB.await(5, TimeUnit.SECONDS), "store b resumed although store hung's resume hangs");
        assertEquals(Set.of("hung", "b"), expiredTold);
        assertEquals(
                2.0, registry.get(LeaseManager.LEASE_EXPIRIES).counter().count(), "each lapsed lease is counted once");

        // Later ticks neither pile up resumes of the hung store nor block.
        CompletableFuture.runAsync(() -> {
                    leases.expire();
                    leases.expire();
                })
                .get(10, TimeUnit.SECONDS);
        assertEquals(
                2.0,
                registry.get(LeaseManager.LEASE_EXPIRIES).counter().count(),
                "the hung store is not counted again");
    }
}
