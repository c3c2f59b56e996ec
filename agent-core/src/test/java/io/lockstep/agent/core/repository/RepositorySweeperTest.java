package io.lockstep.agent.core.repository;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The sweeper touches only keys of the agent's own stores. */
class RepositorySweeperTest {

    private static final Set<String> MINE = Set.of("app");

    @Test
    void ownKeys() {
        assertTrue(RepositorySweeper.ownedBy("runs/nightly/3f2a/app/shop.dump", MINE));
        assertTrue(RepositorySweeper.ownedBy("tmp/app/0b1c", MINE));
        assertTrue(RepositorySweeper.ownedBy("search/app/snap-1.dat", MINE));
        assertTrue(RepositorySweeper.ownedBy("blobs/app/ab12", MINE));
        assertTrue(RepositorySweeper.ownedBy("wal/app/000000010000000000000003.zst", MINE), "its WAL archive");
    }

    @Test
    void othersKeysAndTheCoordinatorsAreLeftAlone() {
        assertFalse(RepositorySweeper.ownedBy("runs/nightly/3f2a/media/objects.jsonl.gz", MINE));
        assertFalse(RepositorySweeper.ownedBy("runs/nightly/3f2a/run.json", MINE));
        assertFalse(RepositorySweeper.ownedBy("runs/app/3f2a/other/x.dump", MINE), "a plan named like the store");
        assertFalse(RepositorySweeper.ownedBy("tmp/media/0b1c", MINE));
        assertFalse(RepositorySweeper.ownedBy("keys/blob-names", MINE));
        assertFalse(RepositorySweeper.ownedBy("wal/media/000000010000000000000003.zst", MINE));
    }
}
