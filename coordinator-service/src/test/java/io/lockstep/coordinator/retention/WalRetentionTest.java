package io.lockstep.coordinator.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lockstep.coordinator.catalog.StepEntity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What WAL retention may delete: only files before the oldest kept base backup's start, never history files. */
class WalRetentionTest {

    static StepEntity backup(String store, Map<String, String> evidence) {
        StepEntity s = new StepEntity();
        s.store = store;
        s.evidence = evidence;
        return s;
    }

    @Test
    void theOldestKeptBaseBackupOfEachStoreDecides() {
        Map<String, String> oldest = WalRetention.oldestStarts(List.of(
                backup("app", Map.of("baseBackupStartLsn", "0/5000028")),
                backup("app", Map.of("baseBackupStartLsn", "0/3000060")),
                backup("app", Map.of()), // a database's step without the base backup
                backup("crm", Map.of("baseBackupStartLsn", "1/0")),
                backup("plain", Map.of())));
        assertEquals(Map.of("app", "0000000000000003", "crm", "0000000100000000"), oldest);
    }

    @Test
    void filesBeforeTheOldestStartGoRecordFirstAndHistoryAndLaterFilesStay() {
        String p = "wal/app/";
        List<String> keys = List.of(
                p + "000000010000000000000001.zst",
                p + "000000010000000000000001.sha256",
                p + "000000010000000000000002.00000028.backup.zst",
                p + "000000010000000000000002.00000028.backup.sha256",
                p + "000000010000000000000003.zst", // the kept base backup starts in this segment
                p + "000000010000000000000003.sha256",
                p + "000000020000000000000004.zst",
                p + "00000002.history.zst",
                p + "00000002.history.sha256",
                "wal/app-other/000000010000000000000001.zst",
                p + "000000010000000000000001.zst.lockstep-part");

        assertEquals(
                List.of(
                        p + "000000010000000000000001.sha256",
                        p + "000000010000000000000002.00000028.backup.sha256",
                        p + "000000010000000000000001.zst",
                        p + "000000010000000000000002.00000028.backup.zst"),
                WalRetention.deletable(keys, "app", "0000000000000003"));
    }

    @Test
    void aSegmentOfAnEarlierTimelineIsComparedByItsPositionOnly() {
        assertEquals(
                List.of(),
                WalRetention.deletable(List.of("wal/app/000000010000000000000007.zst"), "app", "0000000000000003"),
                "timeline 1's segment 7 is after the start at segment 3 of any timeline");
    }
}
