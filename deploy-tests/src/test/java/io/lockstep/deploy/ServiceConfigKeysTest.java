package io.lockstep.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The checker the deployment tests use knows real keys and refuses misspelt ones. */
class ServiceConfigKeysTest {

    private final ServiceConfigKeys postgresAgent = ServiceConfigKeys.of(DeployFiles.root(), "postgres-agent");

    @Test
    void knowsPropertiesMappingsAndReferencedKeys() {
        assertNull(postgresAgent.problem("KAFKA_BOOTSTRAP_SERVERS"));
        assertNull(postgresAgent.problem("LOCKSTEP_TOPIC_PREFIX"));
        assertNull(postgresAgent.problem("LOCKSTEP_AGENT_ID"));
        assertNull(postgresAgent.problem("LOCKSTEP_POSTGRES_STORES_APP_PASSWORD_FILE"));
        assertNull(postgresAgent.problem("LOCKSTEP_REPOSITORY_SECRET_ACCESS_KEY"));
        assertNull(postgresAgent.problem("LOCKSTEP_REPOSITORY_ENCRYPTION_KEYSET_FILE"));
    }

    @Test
    void refusesMisspeltAndForeignKeys() {
        assertNotNull(postgresAgent.problem("LOCKSTEP_POSTGRES_STORES_APP_PASSWORD_FLIE"));
        assertNotNull(postgresAgent.problem("LOCKSTEP_OBJECTSTORE_STORES_MEDIA_BUCKET"));
        assertNotNull(postgresAgent.problem("QUARKUS_DATASOURCE_JDBC_URL"));
        assertNotNull(postgresAgent.problem("LOCKSTEP_REPOSITORY_BUCKIT"));
    }

    @Test
    void environmentFormIsSmallRyes() {
        assertEquals(
                "LOCKSTEP_POSTGRES_STORES_APP_PASSWORD_FILE",
                ServiceConfigKeys.env("lockstep.postgres.stores.app.password-file"));
    }
}
