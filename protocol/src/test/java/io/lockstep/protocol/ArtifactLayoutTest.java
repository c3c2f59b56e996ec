package io.lockstep.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class ArtifactLayoutTest {

    private final UUID run = UUID.fromString("0b7e6a4e-1c9a-4f57-9a53-2f1f3c0a9d11");

    @Test
    void aRunsArtifactsLieUnderItsPlanAndRunThenTheStore() {
        String base = "runs/nightly/0b7e6a4e-1c9a-4f57-9a53-2f1f3c0a9d11/";
        assertEquals(base, ArtifactLayout.runPrefix("nightly", run));
        assertEquals(base + "run.json", ArtifactLayout.runManifest("nightly", run));
        assertEquals(base + "app/shop.dump", ArtifactLayout.dump("nightly", run, "app", "shop"));
        assertEquals(base + "app/shop.refs.txt.gz", ArtifactLayout.referenceKeys("nightly", run, "app", "shop"));
        assertEquals(base + "app/shop.tables.tsv", ArtifactLayout.census("nightly", run, "app", "shop"));
        assertEquals(base + "media/objects.jsonl.gz", ArtifactLayout.objectManifest("nightly", run, "media"));
    }

    @Test
    void blobsSearchCopiesAndTemporaryKeysArePerStoreOutsideTheRuns() {
        assertEquals("blobs/media/abc", ArtifactLayout.blob("media", "abc"));
        assertEquals("blobs/media/", ArtifactLayout.blobPrefix("media"));
        assertEquals("search/docs/", ArtifactLayout.searchCopy("docs"));
        assertEquals("tmp/media/x", ArtifactLayout.temporary("media", "x"));
    }

    @Test
    void manifestsAreRecognisedByTheirFileNameOnly() {
        assertTrue(ArtifactLayout.isRunManifest(ArtifactLayout.runManifest("p", run)));
        assertFalse(ArtifactLayout.isRunManifest("runs/p/r/app/run.json.dump"));
        assertTrue(ArtifactLayout.isObjectManifest(ArtifactLayout.objectManifest("p", run, "media")));
        assertFalse(ArtifactLayout.isObjectManifest("runs/p/r/media/xobjects.jsonl.gz"));
    }

    @Test
    void aRunsSnapshotIsNamedAfterTheRun() {
        assertEquals("lockstep-0b7e6a4e-1c9a-4f57-9a53-2f1f3c0a9d11", ArtifactLayout.snapshotName(run));
    }

    @Test
    void drillScratchNamesAreRecognisedAndOthersAreNot() {
        String database = ArtifactLayout.drillDatabase("Shop", "1a2b3c4d");
        assertEquals("shop_lsdrill_1a2b3c4d", database);
        assertTrue(ArtifactLayout.isDrillDatabase(database));
        assertFalse(ArtifactLayout.isDrillDatabase("shop"));
        assertFalse(ArtifactLayout.isDrillDatabase(null));

        assertEquals(".lockstep-drill/1a2b3c4d/", ArtifactLayout.drillPrefix("1a2b3c4d"));
        assertTrue(ArtifactLayout.isDrillPrefix(ArtifactLayout.drillPrefix("1a2b3c4d")));
        assertFalse(ArtifactLayout.isDrillPrefix(".lockstep-drill/"), "the whole drill area is never one drill's");
        assertFalse(ArtifactLayout.isDrillPrefix("media/"));

        String index = "products"
                .replaceAll(ArtifactLayout.DRILL_INDEX_PATTERN, ArtifactLayout.drillIndexReplacement("1a2b3c4d"));
        assertEquals("lsdrill-1a2b3c4d-products", index);
        assertTrue(ArtifactLayout.isDrillIndex(index));
        assertFalse(ArtifactLayout.isDrillIndex("products"));
    }

    @Test
    void aLongDatabaseNameIsCutSoItsScratchNameFitsPostgresLimit() {
        String name = "A".repeat(70);
        String scratch = ArtifactLayout.drillDatabase(name, "1a2b3c4d");
        assertEquals("a".repeat(40) + "_lsdrill_1a2b3c4d", scratch);
        assertTrue(scratch.length() <= 63);
    }
}
