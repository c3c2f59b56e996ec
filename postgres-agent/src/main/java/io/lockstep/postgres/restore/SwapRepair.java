package io.lockstep.postgres.restore;

import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.postgres.client.Connection;
import io.lockstep.postgres.config.PostgresAgentConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * At the agent's start, before it takes commands: repairs on every configured server what a previous life of this
 * agent left half-done in a restore's swap (a live database refusing connections or renamed aside, a scratch
 * database, a parallel restore's spool file). A server that does not answer now is repaired at the next restore on it.
 */
@ApplicationScoped
public class SwapRepair {

    private static final Logger LOG = Logger.getLogger(SwapRepair.class);

    private final PostgresAgentConfig config;
    private final PostgresRestore restore;
    private final DumpLoader loader;

    public SwapRepair(PostgresAgentConfig config, PostgresRestore restore, DumpLoader loader) {
        this.config = config;
        this.restore = restore;
        this.loader = loader;
    }

    void onStart(@Observes StartupEvent event) {
        int spools = loader.sweep();
        if (spools > 0) {
            LOG.infof("deleted %d restore spool file(s) a previous life of this agent left", spools);
        }
        config.stores().forEach((id, store) -> {
            try {
                Connection server = new Connection(
                        id, store, "postgres", (int) config.connectTimeout().toSeconds());
                int repaired = restore.repair(server).size();
                LOG.infof("interrupted restores on store %s checked: %d repaired", id, repaired);
            } catch (StepFailure e) {
                LOG.warnf("%s (repaired at the next restore on it)", e.getMessage());
            }
        });
    }
}
