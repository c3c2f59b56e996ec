package io.lockstep.objectstore.config;

import io.lockstep.repository.S3Settings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
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

    /**
     * After an incremental copy, the share (0-100) of the objects it reused unchanged whose blobs verification checks
     * again; the blobs it copied are always checked, and after a full copy all of them. 100 checks every blob.
     */
    @WithDefault("2")
    int verifySamplePercent();

    /** Objects up to this size are hashed in memory; larger ones stream through a temporary key. */
    @WithDefault("8388608")
    int inMemoryLimit();

    /**
     * Objects up to this size have their blobs written into packs, many to one request, instead of under keys of their
     * own; 0 writes every blob under its own key.
     */
    @WithDefault("524288")
    int packBelow();

    /** A pack is put once it holds this many bytes (about; the last of a run is smaller). */
    @WithDefault("8388608")
    int packSize();

    /** A bucket (and prefix) to back up, and how to reach it: endpoint, region, keys, path style. */
    interface Store extends S3Settings {

        String bucket();

        /** Only keys under this prefix are backed up; empty for the whole bucket. */
        Optional<String> prefix();

        /**
         * This store's {@code pack-below}, instead of the agent's: 0 keeps every blob of a store under its own key, for
         * a bucket whose objects are rewritten so often that packs would hold dead blobs long (a pack is deleted only
         * once no run names any blob in it).
         */
        Optional<Integer> packBelow();
    }
}
