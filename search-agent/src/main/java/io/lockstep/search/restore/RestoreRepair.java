package io.lockstep.search.restore;

import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.search.config.SearchAgentConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * At the agent's start: finishes or drops, on every configured store, what an in-place restore that died with the
 * previous process left ({@link IndexSwap#repair}): a live index deleted after its verified copy was restored is
 * cloned back from that copy, other temporary indices are deleted. A cluster that does not answer now is left for the
 * next start.
 */
@ApplicationScoped
public class RestoreRepair {

    private static final Logger LOG = Logger.getLogger(RestoreRepair.class);

    private final SearchAgentConfig config;
    private final SnapshotRestore restore;

    public RestoreRepair(SearchAgentConfig config, SnapshotRestore restore) {
        this.config = config;
        this.restore = restore;
    }

    void onStart(@Observes StartupEvent event) {
        config.stores().forEach((id, store) -> {
            try {
                int repaired = restore.repair(id, store).size();
                LOG.infof("interrupted restores of store %s checked: %d repaired", id, repaired);
            } catch (StepFailure | RuntimeException e) {
                LOG.warnf("interrupted restores of store %s not checked: %s", id, e.getMessage());
            }
        });
    }
}
