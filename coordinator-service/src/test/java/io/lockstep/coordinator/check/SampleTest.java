package io.lockstep.coordinator.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@code --sample N}: about N percent of keys are read, every key at 100 %, and another seed picks others. */
class SampleTest {

    @Test
    void aSampleReadsAboutItsShareOfKeys() {
        RepositoryCheck.Options ten = new RepositoryCheck.Options(true, 10, "check-1");
        long picked = IntStream.range(0, 10_000)
                .filter(i -> ten.sampled("blobs/s/" + Integer.toHexString(i * 7919)))
                .count();
        assertTrue(picked > 800 && picked < 1200, picked + " of 10000");
        RepositoryCheck.Options all = new RepositoryCheck.Options(true, 100, "check-1");
        assertEquals(
                10_000,
                IntStream.range(0, 10_000).filter(i -> all.sampled("k" + i)).count());
        RepositoryCheck.Options other = new RepositoryCheck.Options(true, 10, "check-2");
        long same = IntStream.range(0, 10_000)
                .filter(i -> ten.sampled("k" + i) && other.sampled("k" + i))
                .count();
        assertTrue(same < 300, "another check samples other keys: " + same + " in both");
    }
}
