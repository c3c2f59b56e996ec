package io.lockstep.objectstore.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * The buckets this agent backs up. Example:
 *
 * <pre>
 * lockstep.objectstore.stores.blocks.endpoint=http://127.0.0.1:9000
 * lockstep.objectstore.stores.blocks.bucket=parsec-blocks
 * lockstep.objectstore.stores.blocks.access-key-id=...            # better: LOCKSTEP_OBJECTSTORE_STORES_BLOCKS_ACCESS_KEY_ID
 * lockstep.objectstore.stores.blocks.secret-access-key=...        # better: LOCKSTEP_OBJECTSTORE_STORES_BLOCKS_SECRET_ACCESS_KEY
 * </pre>
 */
@ConfigMapping(prefix = "lockstep.objectstore")
public interface ObjectStoreAgentConfig {

    Map<String, Store> stores();

    /** Objects copied (and, in verification, blobs checked) at once. */
    @WithDefault("16")
    int copyConcurrency();

    /** Objects up to this size are hashed in memory; larger ones stream through a temporary key. */
    @WithDefault("8388608")
    int inMemoryLimit();

    interface Store {
        Optional<URI> endpoint();

        @WithDefault("us-east-1")
        String region();

        String bucket();

        Optional<String> prefix();

        Optional<String> accessKeyId();

        Optional<String> secretAccessKey();

        @WithDefault("true")
        boolean pathStyle();
    }
}
