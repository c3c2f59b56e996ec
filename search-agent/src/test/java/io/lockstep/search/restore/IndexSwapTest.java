package io.lockstep.search.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class IndexSwapTest {

    @Test
    void aTemporaryIndexNamesItsLiveIndex() {
        String temporary = IndexSwap.temporary("0a1b2c3d", "products-v2");
        assertEquals("lsrestore-0a1b2c3d-products-v2", temporary);
        assertEquals(Optional.of("products-v2"), IndexSwap.liveOf(temporary));
    }

    @Test
    void otherIndicesAreNoTemporaryOnes() {
        assertEquals(Optional.empty(), IndexSwap.liveOf("products"));
        assertEquals(Optional.empty(), IndexSwap.liveOf("lsrestore-short-products"));
        assertEquals(Optional.empty(), IndexSwap.liveOf("lsrestore-0a1b2c3d-"));
    }
}
