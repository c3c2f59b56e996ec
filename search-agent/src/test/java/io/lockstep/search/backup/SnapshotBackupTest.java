package io.lockstep.search.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SnapshotBackupTest {

    @Test
    void aFileKeyIsItsPathInTheFsRepositoryWithForwardSlashes() {
        Path location = Path.of("/var/lib/es/snapshots/lockstep");
        assertEquals("indices/abc/0/__1", SnapshotBackup.relativeKey(location, location.resolve("indices/abc/0/__1")));
        assertEquals("index-7", SnapshotBackup.relativeKey(location, location.resolve("index-7")));
    }

    @Test
    void onlyTopLevelIndexFilesAreRootIndexFiles() {
        assertTrue(SnapshotBackup.isRootIndex("index-7"));
        assertTrue(SnapshotBackup.isRootIndex("index.latest"));
        assertFalse(SnapshotBackup.isRootIndex("indices/abc/index-3"));
        assertFalse(SnapshotBackup.isRootIndex("snap-uuid.dat"));
    }

    @Test
    void aSnapshotFileAlreadyCopiedWithItsSizeIsNotCopiedAgain() {
        assertTrue(SnapshotBackup.alreadyCopied("indices/abc/0/__1", 100, 100L, false));
        assertFalse(SnapshotBackup.alreadyCopied("indices/abc/0/__1", 100, 99L, false), "a partial copy is replaced");
        assertFalse(SnapshotBackup.alreadyCopied("indices/abc/0/__1", 100, null, false), "a missing copy is made");
    }

    @Test
    void withEncryptionACopysPresenceIsEnoughBecauseItIsLargerThanTheFile() {
        assertTrue(SnapshotBackup.alreadyCopied("snap-uuid.dat", 100, 180L, true));
        assertFalse(SnapshotBackup.alreadyCopied("snap-uuid.dat", 100, null, true));
    }

    @Test
    void rootIndexFilesAreCopiedEveryTimeBecauseEachSnapshotRewritesThem() {
        assertFalse(SnapshotBackup.alreadyCopied("index-7", 100, 100L, false));
        assertFalse(SnapshotBackup.alreadyCopied("index.latest", 8, 180L, true));
    }
}
