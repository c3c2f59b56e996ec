package io.lockstep.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.SecretVolumeSource;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Signed agent events in both deployments: each agent signs with its own key, mounted as a read-only secret (which
 * the key loading accepts though others may read it), and the coordinator holds every agent's key and requires
 * signatures.
 */
class SignedAgentEventsTest {

    private static final List<String> AGENTS = List.of("postgres-agent", "objectstore-agent", "search-agent");

    private final Path root = DeployFiles.root();

    @Test
    void composeMountsEachAgentsKeyAndTheCoordinatorRequiresThemAll() {
        Map<String, Object> compose = DeployFiles.yaml(root.resolve("docker-compose.yml"));
        Map<String, Object> services = DeployFiles.map(compose.get("services"), "services");
        Map<String, Object> secrets = DeployFiles.map(compose.get("secrets"), "secrets");
        String script = DeployFiles.read(root.resolve("deploy/compose/secrets.sh"));
        for (String agent : AGENTS) {
            Map<String, Object> service = DeployFiles.map(services.get(agent), agent);
            Map<String, Object> env = DeployFiles.map(service.get("environment"), agent + ".environment");
            assertEquals(agent, env.get("LOCKSTEP_AGENT_ID"));
            String file = String.valueOf(env.get("LOCKSTEP_AGENT_SIGNING_KEY_FILE"));
            assertTrue(file.startsWith("/run/secrets/"), agent + " reads its key from " + file + ", not a secret");
            String secret = file.substring("/run/secrets/".length());
            assertTrue(
                    DeployFiles.list(service.get("secrets"), agent + ".secrets").contains(secret),
                    agent + " does not mount the secret " + secret);
            assertEquals(
                    "./deploy/compose/secrets/agent-keys/" + agent,
                    DeployFiles.map(secrets.get(secret), "secrets." + secret).get("file"),
                    "the coordinator would not hold the key " + agent + " signs with");
            assertTrue(script.contains(agent), "deploy/compose/secrets.sh makes no key for " + agent);
        }
        Map<String, Object> coordinator = DeployFiles.map(services.get("coordinator"), "coordinator");
        Map<String, Object> env = DeployFiles.map(coordinator.get("environment"), "coordinator.environment");
        assertEquals("true", String.valueOf(env.get("LOCKSTEP_COORDINATOR_REQUIRE_SIGNED_EVENTS")));
        String dir = String.valueOf(env.get("LOCKSTEP_COORDINATOR_AGENT_KEYS_DIR"));
        assertTrue(
                DeployFiles.list(coordinator.get("volumes"), "coordinator.volumes")
                        .contains("./deploy/compose/secrets/agent-keys:" + dir + ":ro"),
                "the coordinator does not mount the agents' keys read-only at " + dir);
    }

    @Test
    void kubernetesMountsEachAgentsKeyAndTheCoordinatorRequiresThemAll() {
        Path dir = root.resolve("deploy/kubernetes");
        for (String agent : AGENTS) {
            Deployment deployment = deployment(dir.resolve(agent + ".yaml"));
            Container c =
                    deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertEquals(agent, env(c, "LOCKSTEP_AGENT_ID"));
            String file = env(c, "LOCKSTEP_AGENT_SIGNING_KEY_FILE");
            VolumeMount mount = c.getVolumeMounts().stream()
                    .filter(m -> file.startsWith(m.getMountPath() + "/"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(agent + " mounts nothing at its key file " + file));
            assertTrue(Boolean.TRUE.equals(mount.getReadOnly()), agent + ": the key is not mounted read-only");
            SecretVolumeSource secret = secretOf(deployment, mount.getName());
            assertEquals("lockstep-agent-keys", secret.getSecretName(), agent);
            assertEquals(1, secret.getItems().size(), agent + " mounts other agents' keys");
            assertEquals(agent, secret.getItems().get(0).getKey(), agent + " signs with another agent's key");
            assertEquals(mount.getMountPath() + "/" + secret.getItems().get(0).getPath(), file, agent);
        }
        Deployment coordinator = deployment(dir.resolve("coordinator.yaml"));
        Container c =
                coordinator.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("true", env(c, "LOCKSTEP_COORDINATOR_REQUIRE_SIGNED_EVENTS"));
        String keys = env(c, "LOCKSTEP_COORDINATOR_AGENT_KEYS_DIR");
        VolumeMount mount = c.getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals(keys))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the coordinator mounts nothing at " + keys));
        SecretVolumeSource secret = secretOf(coordinator, mount.getName());
        assertEquals("lockstep-agent-keys", secret.getSecretName());
        assertTrue(secret.getItems() == null || secret.getItems().isEmpty(), "the coordinator needs every key");

        Map<String, Object> kustomization = DeployFiles.yaml(dir.resolve("kustomization.yaml"));
        List<String> files = DeployFiles.list(kustomization.get("secretGenerator"), "secretGenerator").stream()
                .map(g -> DeployFiles.map(g, "secretGenerator[]"))
                .filter(g -> "lockstep-agent-keys".equals(g.get("name")))
                .flatMap(g -> DeployFiles.list(g.get("files"), "files").stream())
                .map(String::valueOf)
                .toList();
        String script = DeployFiles.read(dir.resolve("secrets.sh"));
        for (String agent : AGENTS) {
            String entry = files.stream()
                    .filter(f -> f.startsWith(agent + "="))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("lockstep-agent-keys has no key " + agent));
            assertEquals("secrets/" + agent + "-signing-key", entry.substring(entry.indexOf('=') + 1));
            assertTrue(script.contains("$agent-signing-key") && script.contains(agent), "secrets.sh: " + agent);
        }
    }

    private static Deployment deployment(Path file) {
        Object parsed = new KubernetesSerialization().unmarshal(DeployFiles.read(file));
        List<?> items = parsed instanceof KubernetesList list
                ? list.getItems()
                : parsed instanceof List<?> l ? l : List.of(parsed);
        return items.stream()
                .filter(Deployment.class::isInstance)
                .map(Deployment.class::cast)
                .findFirst()
                .orElseThrow(() -> new AssertionError(file + " holds no Deployment"));
    }

    private static String env(Container c, String name) {
        EnvVar var = c.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " sets no " + name));
        assertNotNull(var.getValue(), name);
        return var.getValue();
    }

    private static SecretVolumeSource secretOf(Deployment deployment, String volume) {
        Volume v = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(x -> x.getName().equals(volume))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + volume));
        assertNotNull(v.getSecret(), volume + " is not a Secret volume");
        return v.getSecret();
    }
}
