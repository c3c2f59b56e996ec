package io.lockstep.search.backup;

import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.search.client.ElasticsearchClients;
import io.lockstep.search.client.SearchCalls;
import io.lockstep.search.config.SearchAgentConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Stops and restarts a search store's writes: quiesce pauses the application's indexer (its hook), then puts write
 * blocks on the store's indices; resume lifts the blocks, then resumes the indexer. agent-core holds a quiesce as a
 * lease and resumes by itself when it runs out.
 */
@ApplicationScoped
public class IndexQuiesce {

    private static final Logger LOG = Logger.getLogger(IndexQuiesce.class);

    private final ElasticsearchClients clients;
    private final Hooks hooks;

    @Inject
    public IndexQuiesce(ElasticsearchClients clients, Hooks hooks) {
        this.clients = clients;
        this.hooks = hooks;
    }

    public Map<String, String> quiesce(String id, SearchAgentConfig.Store store) throws StepFailure {
        hooks.call("quiesce", store.quiesceUrl(), store.quiesceCommand());
        writeBlock(id, store, true);
        LOG.infof("store %s quiesced: indexer paused, write blocks on %s", id, store.indices());
        return Map.of(EvidenceKeys.INDICES, String.join(",", store.indices()));
    }

    public Map<String, String> resume(String id, SearchAgentConfig.Store store) throws StepFailure {
        writeBlock(id, store, false);
        hooks.call("resume", store.resumeUrl(), store.resumeCommand());
        LOG.infof("store %s resumed", id);
        return Map.of(EvidenceKeys.INDICES, String.join(",", store.indices()));
    }

    /**
     * Sets or lifts the write block. Lifting skips indices that do not exist: there is no block on them to lift, and
     * the agent's start-up release of every store must not retry forever against an index not created yet.
     */
    private void writeBlock(String id, SearchAgentConfig.Store store, boolean on) throws StepFailure {
        try {
            clients.of(id)
                    .indices()
                    .putSettings(r -> r.index(store.indices())
                            .ignoreUnavailable(!on)
                            .allowNoIndices(!on)
                            .settings(s -> s.blocks(b -> b.write(on))));
        } catch (ElasticsearchException | IOException e) {
            throw new StepFailure((on ? "cannot block" : "cannot unblock") + " writes on " + store.indices()
                    + " of store " + id + ": " + SearchCalls.reason(e));
        }
    }
}
