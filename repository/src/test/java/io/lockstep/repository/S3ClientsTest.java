package io.lockstep.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The retry budget that lets a client ride out an outage of its server. */
class S3ClientsTest {

    /** The least the backoff of {@code attempts} attempts waits in all (each retry at least half its delay). */
    static long leastWaitMillis(int attempts) {
        long waited = 0;
        for (int retry = 0; retry < attempts - 1; retry++) {
            waited += Math.min(S3Clients.MAX_DELAY.toMillis(), S3Clients.BASE_DELAY.toMillis() << Math.min(retry, 20))
                    / 2;
        }
        return waited;
    }

    @Test
    void theBackoffLastsAtLeastTheToleranceAndNotMuchLonger() {
        for (Duration tolerance :
                new Duration[] {Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMinutes(5)}) {
            int attempts = S3Clients.attemptsFor(tolerance);
            long least = leastWaitMillis(attempts);
            assertTrue(least >= tolerance.toMillis(), tolerance + ": " + attempts + " attempts wait " + least + " ms");
            assertTrue(
                    leastWaitMillis(attempts - 1) < tolerance.toMillis(),
                    tolerance + ": one attempt fewer would do: " + attempts);
        }
    }

    @Test
    void noToleranceStillRetriesTwice() {
        assertEquals(3, S3Clients.attemptsFor(Duration.ZERO));
    }
}
