package io.lockstep.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RepositoryConfigTest {

    private static RepositoryConfig map(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(RepositoryConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .build();
        return config.getConfigMapping(RepositoryConfig.class);
    }

    @Test
    void theS3SettingsItInheritsAreMappedWithTheirDefaults() {
        RepositoryConfig config = map(Map.of("lockstep.repository.bucket", "backups"));
        assertEquals("us-east-1", config.region());
        assertTrue(config.pathStyle());
        assertEquals(Optional.empty(), config.endpoint());
        assertEquals(Optional.of("backups"), config.bucket());
        assertEquals(8 * 1024 * 1024, config.partSize());
        assertEquals(3, config.uploadConcurrency());
        assertFalse(config.createBucket());
        assertFalse(config.encryption().enabled());
        assertEquals(Duration.ofMinutes(1), config.outageTolerance());
    }

    @Test
    void everySettingCanBeSet() {
        RepositoryConfig config = map(Map.of(
                "lockstep.repository.endpoint", "http://127.0.0.1:9000",
                "lockstep.repository.region", "eu-west-1",
                "lockstep.repository.path-style", "false",
                "lockstep.repository.bucket", "b",
                "lockstep.repository.prefix", "lockstep",
                "lockstep.repository.part-size", "5242880",
                "lockstep.repository.upload-concurrency", "1",
                "lockstep.repository.encryption.enabled", "true",
                "lockstep.repository.outage-tolerance", "PT5S"));
        assertEquals(Optional.of(URI.create("http://127.0.0.1:9000")), config.endpoint());
        assertEquals("eu-west-1", config.region());
        assertFalse(config.pathStyle());
        assertEquals(Optional.of("lockstep"), config.prefix());
        assertEquals(5242880, config.partSize());
        assertEquals(1, config.uploadConcurrency());
        assertTrue(config.encryption().enabled());
        assertEquals(Duration.ofSeconds(5), config.outageTolerance());
    }

    @Test
    void withoutABucketTheCoordinatorStillStartsButNoRepositoryCanBeOpened() {
        RepositoryConfig config = map(Map.of());
        assertEquals(Optional.empty(), config.bucket());
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> BackupRepository.open(config, 8 * 1024 * 1024, 1, 4));
        assertTrue(e.getMessage().contains("lockstep.repository.bucket"), e.getMessage());
    }
}
