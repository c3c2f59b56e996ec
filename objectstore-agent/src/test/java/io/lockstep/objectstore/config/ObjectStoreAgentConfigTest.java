package io.lockstep.objectstore.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ObjectStoreAgentConfigTest {

    private static ObjectStoreAgentConfig map(Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .withMapping(ObjectStoreAgentConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .build()
                .getConfigMapping(ObjectStoreAgentConfig.class);
    }

    @Test
    void aStoreReadsItsBucketAndTheS3SettingsItSharesWithTheRepository() {
        ObjectStoreAgentConfig config = map(Map.of(
                "lockstep.objectstore.stores.media.bucket", "shop-media",
                "lockstep.objectstore.stores.media.prefix", "images/",
                "lockstep.objectstore.stores.media.endpoint", "http://127.0.0.1:9000",
                "lockstep.objectstore.stores.media.access-key-id", "key",
                "lockstep.objectstore.stores.media.path-style", "false",
                "lockstep.objectstore.stores.plain.bucket", "plain"));
        ObjectStoreAgentConfig.Store media = config.stores().get("media");
        assertEquals("shop-media", media.bucket());
        assertEquals(Optional.of("images/"), media.prefix());
        assertEquals(Optional.of(URI.create("http://127.0.0.1:9000")), media.endpoint());
        assertEquals(Optional.of("key"), media.accessKeyId());
        assertEquals(Optional.empty(), media.secretAccessKey());
        assertFalse(media.pathStyle());

        ObjectStoreAgentConfig.Store plain = config.stores().get("plain");
        assertEquals("us-east-1", plain.region(), "the inherited default region");
        assertTrue(plain.pathStyle(), "the inherited default addressing");
        assertEquals(16, config.copyConcurrency());
    }
}
