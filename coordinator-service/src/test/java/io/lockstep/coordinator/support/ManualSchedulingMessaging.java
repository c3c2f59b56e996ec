package io.lockstep.coordinator.support;

import java.util.Map;
import java.util.UUID;

/**
 * In-memory messaging, with the scheduler's and retention's own timers off so a test drives them with the instant
 * it chooses, and the real backup repository (S3Proxy) under a prefix of its own.
 */
public class ManualSchedulingMessaging extends InMemoryMessaging {

    public static final String PREFIX =
            "coordinator-test-" + UUID.randomUUID().toString().substring(0, 8);

    @Override
    public Map<String, String> start() {
        Map<String, String> config = super.start();
        config.put("lockstep.coordinator.scheduler-enabled", "false");
        config.put("lockstep.coordinator.retention-enabled", "false");
        config.put("lockstep.repository.endpoint", "http://127.0.0.1:9000");
        config.put("lockstep.repository.bucket", "lockstep-backups");
        config.put("lockstep.repository.prefix", PREFIX);
        config.put("lockstep.repository.access-key-id", "lockstep");
        config.put("lockstep.repository.secret-access-key", "lockstep-local-secret");
        return config;
    }
}
