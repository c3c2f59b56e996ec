package io.lockstep.coordinator.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ReachableBlobsTest {

    @Test
    void holdsEveryAddedBlobAcrossCompactionsAndCountsEachOnce() throws Exception {
        ReachableBlobs reachable = new ReachableBlobs();
        // 5,000 distinct blobs named by 3 manifests each: far more additions than the first capacity
        for (int manifest = 0; manifest < 3; manifest++) {
            for (int i = 0; i < 5_000; i++) {
                reachable.add("blobs/media/" + sha("object-" + i));
            }
        }
        assertEquals(5_000, reachable.size());
        for (int i = 0; i < 5_000; i++) {
            assertTrue(reachable.contains("blobs/media/" + sha("object-" + i)), "object-" + i);
        }
        for (int i = 5_000; i < 10_000; i++) {
            assertFalse(reachable.contains("blobs/media/" + sha("object-" + i)), "object-" + i);
        }
    }

    @Test
    void aBlobIsReachableOnlyInItsOwnStore() throws Exception {
        ReachableBlobs reachable = new ReachableBlobs();
        reachable.add("blobs/media/" + sha("a"));
        assertTrue(reachable.contains("blobs/media/" + sha("a")));
        assertFalse(reachable.contains("blobs/photos/" + sha("a")));
    }

    @Test
    void aNameThatIsNotHexIsComparedWhole() {
        ReachableBlobs reachable = new ReachableBlobs();
        reachable.add("blobs/media/not-a-hash-name");
        assertTrue(reachable.contains("blobs/media/not-a-hash-name"));
        assertFalse(reachable.contains("blobs/media/not-a-hash-name-2"));
        assertEquals(1, reachable.size());
    }

    static String sha(String name) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8)));
    }
}
