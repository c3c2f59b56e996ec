package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunState;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/** Periodically fails runs whose steps timed out or whose agents went silent. */
@ApplicationScoped
public class RunSupervisor {

    private static final Logger LOG = Logger.getLogger(RunSupervisor.class);

    private final RunStateMachine machine;

    @Inject
    RunSupervisor(RunStateMachine machine) {
        this.machine = machine;
    }

    @Scheduled(
            every = "${lockstep.coordinator.supervise-every:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void superviseActiveRuns() {
        List<UUID> active = QuarkusTransaction.requiringNew()
                .call(() -> RunEntity.<RunEntity>list("state in ?1", RunState.ACTIVE).stream()
                        .map(r -> r.id)
                        .toList());
        for (UUID id : active) {
            try {
                QuarkusTransaction.requiringNew().run(() -> machine.supervise(id));
            } catch (RuntimeException e) {
                LOG.warnf("supervising run %s failed: %s", id, e.getMessage());
            }
        }
    }
}
