package io.lockstep.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class WalNamesTest {

    @Test
    void theSegmentOfAPositionIsItsNameAfterTheTimeline() {
        assertEquals("0000000000000003", WalNames.segmentPosition("0/3000028"));
        assertEquals("0000000000000000", WalNames.segmentPosition("0/FFFFFF"));
        assertEquals("00000001000000FF", WalNames.segmentPosition("1/FF000000"));
        assertTrue(WalNames.segmentPosition("0/FF000000").compareTo(WalNames.segmentPosition("1/0")) < 0);
    }

    @Test
    void segmentsAndBackupLabelsHaveAPositionHistoryFilesNone() {
        assertEquals(Optional.of("0000000000000003"), WalNames.position("000000010000000000000003"));
        assertEquals(Optional.of("0000000000000003"), WalNames.position("000000020000000000000003.00000028.backup"));
        assertEquals(Optional.empty(), WalNames.position("00000002.history"));
        assertEquals(Optional.empty(), WalNames.position("000000010000000000000003.partial"));
        assertEquals(Optional.empty(), WalNames.position("00000001000000000000000g"));
        assertEquals("wal/app/", WalNames.prefix("app"));
    }
}
