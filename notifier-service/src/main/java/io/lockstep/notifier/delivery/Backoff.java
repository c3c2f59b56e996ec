package io.lockstep.notifier.delivery;

import java.time.Duration;

/**
 * Exponential backoff: the wait after failed attempt {@code n} is {@code base * 2^(n-1)}, never more than
 * {@code max}.
 */
public record Backoff(Duration base, Duration max) {

    public Duration after(int failedAttempt) {
        int doublings = Math.min(Math.max(failedAttempt - 1, 0), 30);
        long millis = base.toMillis();
        for (int i = 0; i < doublings && millis < max.toMillis(); i++) {
            millis *= 2;
        }
        return Duration.ofMillis(Math.min(millis, max.toMillis()));
    }
}
