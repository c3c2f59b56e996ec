package io.lockstep.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** docker-compose.yml: complete, valid for Docker Compose 1.29, and only setting variables the services read. */
class ComposeFileTest {

    /** Compose service name to the module it runs. */
    private static final Map<String, String> LOCKSTEP_SERVICES = Map.of(
            "coordinator", "coordinator-service",
            "postgres-agent", "postgres-agent",
            "objectstore-agent", "objectstore-agent",
            "search-agent", "search-agent",
            "notifier", "notifier-service");

    private final Path root = DeployFiles.root();
    private final Map<String, Object> compose = DeployFiles.yaml(root.resolve("docker-compose.yml"));
    private final Map<String, Object> services = DeployFiles.map(compose.get("services"), "services");

    @Test
    void dockerComposeAcceptsTheFile() throws IOException, InterruptedException {
        assumeTrue(
                DeployFiles.onPath("docker-compose"),
                "docker-compose is not installed (apt-get install docker-compose; .ci/run installs it): "
                        + "docker-compose.yml is not validated by Compose here");
        Process process = new ProcessBuilder("docker-compose", "-f", "docker-compose.yml", "config", "-q")
                .directory(root.toFile())
                .redirectErrorStream(true)
                .start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "docker-compose config did not end within 60 s");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), "docker-compose config refused docker-compose.yml:\n" + output);
    }

    @Test
    void noTopLevelNameKeyWhichCompose129Rejects() {
        assertFalse(compose.containsKey("name"), "Docker Compose 1.29 rejects a top-level name: key");
    }

    @Test
    void runsEveryLockstepServiceAndItsStores() {
        for (String service : List.of(
                "coordinator",
                "postgres-agent",
                "objectstore-agent",
                "search-agent",
                "notifier",
                "postgres",
                "app-postgres",
                "kafka",
                "minio",
                "elasticsearch")) {
            assertTrue(services.containsKey(service), "docker-compose.yml has no service " + service);
        }
    }

    @Test
    void everyVariableOfALockstepServiceIsOneItReads() {
        List<String> problems = new ArrayList<>();
        LOCKSTEP_SERVICES.forEach((service, module) -> {
            ServiceConfigKeys keys = ServiceConfigKeys.of(root, module);
            for (String variable : environment(service).keySet()) {
                String problem = keys.problem(variable);
                if (problem != null) {
                    problems.add(service + ": " + problem);
                }
            }
        });
        assertEquals(List.of(), problems);
    }

    @Test
    void theRepositoryWritersEncryptWithTheKeysetFromASecretFile() {
        Map<String, Object> secrets = DeployFiles.map(compose.get("secrets"), "secrets");
        Map<String, Object> keyset = DeployFiles.map(secrets.get("repository-keyset"), "secrets.repository-keyset");
        assertTrue(String.valueOf(keyset.get("file")).startsWith("./deploy/compose/secrets/"), keyset.toString());
        for (String service : List.of("coordinator", "postgres-agent", "objectstore-agent", "search-agent")) {
            Map<String, Object> env = environment(service);
            assertEquals("true", String.valueOf(env.get("LOCKSTEP_REPOSITORY_ENCRYPTION_ENABLED")), service);
            assertEquals(
                    "/run/secrets/repository-keyset", env.get("LOCKSTEP_REPOSITORY_ENCRYPTION_KEYSET_FILE"), service);
            assertTrue(
                    DeployFiles.list(
                                    DeployFiles.map(services.get(service), service)
                                            .get("secrets"),
                                    service + ".secrets")
                            .contains("repository-keyset"),
                    service + " does not mount the keyset secret");
        }
    }

    @Test
    void theSearchAgentSharesTheSnapshotVolumeWithElasticsearch() {
        Map<String, Object> es = DeployFiles.map(services.get("elasticsearch"), "elasticsearch");
        String pathRepo = String.valueOf(DeployFiles.map(es.get("environment"), "elasticsearch.environment")
                .get("path.repo"));
        String volume = volumeAt(es, pathRepo);
        assertTrue(volume != null, "Elasticsearch mounts no volume at its path.repo " + pathRepo);
        Map<String, Object> agent = DeployFiles.map(services.get("search-agent"), "search-agent");
        String location =
                String.valueOf(environment("search-agent").get("LOCKSTEP_SEARCH_STORES_SEARCH_REPOSITORY_LOCATION"));
        assertTrue(
                location.startsWith(pathRepo + "/"),
                "the repository location " + location + " is not under " + pathRepo);
        assertEquals(
                volume, volumeAt(agent, pathRepo), "the search-agent does not mount Elasticsearch's snapshot volume");
    }

    @Test
    void thePostgresAgentReadsTheApplicationPasswordFromTheSecretTheDatabaseUses() {
        String file = String.valueOf(environment("postgres-agent").get("LOCKSTEP_POSTGRES_STORES_APP_PASSWORD_FILE"));
        assertEquals(file, environment("app-postgres").get("POSTGRES_PASSWORD_FILE"));
        assertFalse(environment("postgres-agent").containsKey("LOCKSTEP_POSTGRES_STORES_APP_PASSWORD"));
    }

    @Test
    void theDemoSampleDataIsLoaded() {
        List<Object> volumes = DeployFiles.list(
                DeployFiles.map(services.get("app-postgres"), "app-postgres").get("volumes"), "app-postgres.volumes");
        for (String sql : List.of("sample-app.sql", "sample-media.sql")) {
            assertTrue(
                    volumes.stream()
                            .anyMatch(v -> String.valueOf(v)
                                    .startsWith("./deploy/local/" + sql + ":/docker-entrypoint-initdb.d/")),
                    sql + " is not loaded into app-postgres");
            assertTrue(Files.isRegularFile(root.resolve("deploy/local").resolve(sql)), sql);
        }
    }

    private Map<String, Object> environment(String service) {
        Object env = DeployFiles.map(services.get(service), service).get("environment");
        return env == null ? Map.of() : DeployFiles.map(env, service + ".environment");
    }

    private static String volumeAt(Map<String, Object> service, String path) {
        for (Object volume : DeployFiles.list(service.get("volumes"), "volumes")) {
            String[] parts = String.valueOf(volume).split(":");
            if (parts.length >= 2 && parts[1].equals(path)) {
                return parts[0];
            }
        }
        return null;
    }
}
