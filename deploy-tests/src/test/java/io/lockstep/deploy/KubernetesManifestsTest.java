package io.lockstep.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/kubernetes: every resource of the kustomization parsed as its Kubernetes type by the fabric8 model (no
 * unknown field, no unknown kind), and the rules of the deployment: probes on /q/health, limits, secrets by reference
 * only, two coordinators behind a disruption budget, network policies, one image tag.
 */
class KubernetesManifestsTest {

    private static final Pattern SECRET_NAME = Pattern.compile(".*(PASSWORD|SECRET|TOKEN|KEYSET|ACCESS_KEY).*");
    private static final Pattern HEAP = Pattern.compile("-Xmx(\\d+)m");

    private final Path dir = DeployFiles.root().resolve("deploy/kubernetes");
    private final Map<String, Object> kustomization = DeployFiles.yaml(dir.resolve("kustomization.yaml"));
    private final List<HasMetadata> resources = parseResources();

    private List<HasMetadata> parseResources() {
        KubernetesSerialization serialization = new KubernetesSerialization();
        List<HasMetadata> parsed = new ArrayList<>();
        for (Object file : DeployFiles.list(kustomization.get("resources"), "resources")) {
            Path path = dir.resolve(String.valueOf(file));
            assertTrue(Files.isRegularFile(path), "kustomization.yaml lists a missing resource " + file);
            Object result = serialization.unmarshal(DeployFiles.read(path));
            List<?> items = result instanceof KubernetesList list
                    ? list.getItems()
                    : result instanceof List<?> l ? l : List.of(result);
            for (Object item : items) {
                assertFalse(
                        item instanceof GenericKubernetesResource, file + ": a kind the model does not know: " + item);
                HasMetadata resource = (HasMetadata) item;
                assertNotNull(resource.getMetadata().getName(), file + ": a resource without a name");
                List<String> unknown = new ArrayList<>();
                UnknownFields.collect(
                        resource,
                        resource.getKind() + "/" + resource.getMetadata().getName(),
                        unknown);
                assertEquals(List.of(), unknown, file + ": fields that are not part of the Kubernetes API");
                parsed.add(resource);
            }
        }
        return parsed;
    }

    private <T> List<T> all(Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private Deployment deployment(String name) {
        return all(Deployment.class).stream()
                .filter(d -> d.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Deployment " + name));
    }

    @Test
    void everyPartHasItsDeployment() {
        for (String name : List.of("coordinator", "postgres-agent", "objectstore-agent", "search-agent", "notifier")) {
            assertEquals(
                    1,
                    deployment(name)
                            .getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .size(),
                    name);
        }
    }

    @Test
    void twoCoordinatorsAndABudgetThatKeepsOne() {
        Deployment coordinator = deployment("coordinator");
        assertEquals(2, coordinator.getSpec().getReplicas());
        List<PodDisruptionBudget> budgets = all(PodDisruptionBudget.class).stream()
                .filter(b -> coordinator
                        .getSpec()
                        .getTemplate()
                        .getMetadata()
                        .getLabels()
                        .entrySet()
                        .containsAll(b.getSpec().getSelector().getMatchLabels().entrySet()))
                .toList();
        assertEquals(1, budgets.size(), "one PodDisruptionBudget selects the coordinator's pods");
        assertEquals(1, budgets.get(0).getSpec().getMinAvailable().getIntVal());
    }

    @Test
    void agentsRunOneCopyPerAgentId() {
        for (String agent : List.of("postgres-agent", "objectstore-agent", "search-agent")) {
            Deployment deployment = deployment(agent);
            assertEquals(1, deployment.getSpec().getReplicas(), agent);
            assertEquals("Recreate", deployment.getSpec().getStrategy().getType(), agent);
        }
    }

    @Test
    void probesOnHealthAndLimitsOnEveryContainer() {
        for (Deployment deployment : all(Deployment.class)) {
            for (Container c : deployment.getSpec().getTemplate().getSpec().getContainers()) {
                String where = deployment.getMetadata().getName() + "/" + c.getName();
                assertProbe(c.getLivenessProbe(), "/q/health/live", c, where + " liveness");
                assertProbe(c.getReadinessProbe(), "/q/health/ready", c, where + " readiness");
                Map<String, Quantity> limits = c.getResources().getLimits();
                assertNotNull(limits, where + " has no resource limits");
                assertTrue(limits.containsKey("memory") && limits.containsKey("cpu"), where + " limits " + limits);
                assertNotNull(c.getResources().getRequests().get("memory"), where + " requests no memory");
            }
        }
    }

    @Test
    void theHeapFitsTheMemoryLimitAndThePostgresAgentsIs128MiB() {
        for (Deployment deployment : all(Deployment.class)) {
            Container c =
                    deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
            String options = c.getEnv().stream()
                    .filter(e -> e.getName().equals("JDK_JAVA_OPTIONS"))
                    .map(EnvVar::getValue)
                    .findFirst()
                    .orElseThrow(
                            () -> new AssertionError(deployment.getMetadata().getName() + " sets no heap"));
            Matcher heap = HEAP.matcher(options);
            assertTrue(heap.find(), options);
            long heapBytes = Long.parseLong(heap.group(1)) << 20;
            long limit = Quantity.getAmountInBytes(c.getResources().getLimits().get("memory"))
                    .longValue();
            assertTrue(
                    heapBytes * 3 / 2 <= limit,
                    deployment.getMetadata().getName() + ": heap " + options
                            + " leaves less than half of it again for the rest under the limit " + limit);
        }
        assertTrue(deployment("postgres-agent")
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getEnv()
                .contains(new EnvVar("JDK_JAVA_OPTIONS", "-Xmx128m", null)));
    }

    @Test
    void secretsOnlyByReferenceAndEveryReferenceIsGenerated() {
        Map<String, Set<String>> generated = generated("secretGenerator");
        List<String> problems = new ArrayList<>();
        for (Deployment deployment : all(Deployment.class)) {
            String name = deployment.getMetadata().getName();
            for (Container c : deployment.getSpec().getTemplate().getSpec().getContainers()) {
                for (EnvVar env : c.getEnv()) {
                    if (env.getValueFrom() != null) {
                        var ref = env.getValueFrom().getSecretKeyRef();
                        if (ref == null) {
                            problems.add(name + ": " + env.getName() + " comes from something other than a Secret");
                        } else if (!generated
                                .getOrDefault(ref.getName(), Set.of())
                                .contains(ref.getKey())) {
                            problems.add(name + ": " + env.getName() + " refers to " + ref.getName() + "/"
                                    + ref.getKey() + ", which the secretGenerator does not make");
                        }
                    } else if (SECRET_NAME.matcher(env.getName()).matches()
                            && !env.getName().endsWith("_FILE")
                            && !env.getName().endsWith("_ENABLED")) {
                        problems.add(name + ": " + env.getName() + " has a literal value; use a secretKeyRef");
                    }
                }
            }
            for (Volume volume : deployment.getSpec().getTemplate().getSpec().getVolumes()) {
                if (volume.getSecret() != null
                        && !generated.containsKey(volume.getSecret().getSecretName())) {
                    problems.add(name + ": volume " + volume.getName() + " mounts an unknown Secret");
                }
                if (volume.getConfigMap() != null
                        && !generated("configMapGenerator")
                                .containsKey(volume.getConfigMap().getName())) {
                    problems.add(name + ": volume " + volume.getName() + " mounts an unknown ConfigMap");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyVariableIsOneTheServiceReads() {
        List<String> problems = new ArrayList<>();
        for (Deployment deployment : all(Deployment.class)) {
            Container c =
                    deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
            String module = imageName(c.getImage()).substring("lockstep/".length());
            ServiceConfigKeys keys = ServiceConfigKeys.of(DeployFiles.root(), module);
            for (EnvVar env : c.getEnv()) {
                String problem = keys.problem(env.getName());
                if (problem != null) {
                    problems.add(deployment.getMetadata().getName() + ": " + problem);
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void ingressIsDeniedUnlessAPolicyOpensAServicePort() {
        List<NetworkPolicy> policies = all(NetworkPolicy.class);
        assertTrue(
                policies.stream()
                        .anyMatch(p -> selectsAll(p)
                                && p.getSpec().getPolicyTypes().contains("Ingress")
                                && (p.getSpec().getIngress() == null
                                        || p.getSpec().getIngress().isEmpty())),
                "no default-deny ingress policy (empty podSelector, Ingress, no rules)");
        for (Service service : all(Service.class)) {
            Map<String, String> selector = service.getSpec().getSelector();
            Deployment target = all(Deployment.class).stream()
                    .filter(d -> d.getSpec()
                            .getTemplate()
                            .getMetadata()
                            .getLabels()
                            .entrySet()
                            .containsAll(selector.entrySet()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(
                            "Service " + service.getMetadata().getName() + " selects no pods"));
            int port = target.getSpec()
                    .getTemplate()
                    .getSpec()
                    .getContainers()
                    .get(0)
                    .getPorts()
                    .get(0)
                    .getContainerPort();
            assertTrue(
                    policies.stream()
                            .filter(p -> !selectsAll(p)
                                    && selector.entrySet()
                                            .containsAll(p.getSpec()
                                                    .getPodSelector()
                                                    .getMatchLabels()
                                                    .entrySet()))
                            .flatMap(p -> p.getSpec().getIngress().stream())
                            .flatMap(rule -> rule.getPorts().stream())
                            .anyMatch(p -> p.getPort().getIntVal() == port),
                    "no NetworkPolicy lets traffic reach Service "
                            + service.getMetadata().getName() + " on " + port);
        }
    }

    @Test
    void everyImageIsLockstepsAtTheOneTagTheKustomizationSets() {
        Set<String> tags = new HashSet<>();
        Map<String, String> byName = new HashMap<>();
        for (Object image : DeployFiles.list(kustomization.get("images"), "images")) {
            Map<String, Object> entry = DeployFiles.map(image, "images[]");
            byName.put(String.valueOf(entry.get("name")), String.valueOf(entry.get("newTag")));
            tags.add(String.valueOf(entry.get("newTag")));
        }
        assertEquals(1, tags.size(), "the kustomization sets different tags: " + byName);
        for (Deployment deployment : all(Deployment.class)) {
            for (Container c : deployment.getSpec().getTemplate().getSpec().getContainers()) {
                String name = imageName(c.getImage());
                assertTrue(byName.containsKey(name), c.getImage() + " has no entry in the kustomization's images");
                assertEquals(byName.get(name), c.getImage().substring(name.length() + 1), c.getImage());
                assertTrue(
                        Files.isDirectory(DeployFiles.root()
                                .resolve(name.substring("lockstep/".length()))
                                .resolve("src/main/docker")),
                        name + " has no Dockerfile in its module");
            }
        }
    }

    @Test
    void kubectlBuildsTheKustomization(@TempDir Path work) throws IOException, InterruptedException {
        assumeTrue(DeployFiles.onPath("kubectl"), "kubectl is not installed: kubectl kustomize is not run here");
        Path copy = work.resolve("kubernetes");
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path source :
                    files.filter(f -> !f.startsWith(dir.resolve("secrets"))).toList()) {
                Path target = copy.resolve(dir.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
        Files.createDirectories(copy.resolve("secrets"));
        int generatedResources = 0;
        for (String generator : List.of("secretGenerator", "configMapGenerator")) {
            for (Object entry : DeployFiles.list(kustomization.get(generator), generator)) {
                generatedResources++;
                for (Object file :
                        DeployFiles.list(DeployFiles.map(entry, generator).get("files"), "files")) {
                    String spec = String.valueOf(file);
                    Path source = copy.resolve(spec.substring(spec.indexOf('=') + 1));
                    if (!Files.exists(source)) {
                        Files.writeString(source, "placeholder"); // a secret: never committed
                    }
                }
            }
        }
        Process process = new ProcessBuilder("kubectl", "kustomize", copy.toString())
                .redirectError(work.resolve("stderr").toFile())
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize did not end within 60 s");
        assertEquals(0, process.exitValue(), "kubectl kustomize failed: " + Files.readString(work.resolve("stderr")));
        Object built = new KubernetesSerialization().unmarshal(output);
        List<?> items = built instanceof KubernetesList list ? list.getItems() : (List<?>) built;
        assertEquals(resources.size() + generatedResources, items.size(), "resources built by kubectl kustomize");
        Set<String> secrets = new HashSet<>();
        items.stream()
                .filter(i -> i instanceof io.fabric8.kubernetes.api.model.Secret)
                .forEach(i -> secrets.add(((HasMetadata) i).getMetadata().getName()));
        for (Object item : items) {
            HasMetadata resource = (HasMetadata) item;
            if (!(resource instanceof io.fabric8.kubernetes.api.model.Namespace)) {
                assertEquals(
                        "lockstep",
                        resource.getMetadata().getNamespace(),
                        resource.getMetadata().getName());
            }
            if (item instanceof Deployment d) {
                d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                        .filter(e -> e.getValueFrom() != null)
                        .forEach(e -> assertTrue(
                                secrets.contains(
                                        e.getValueFrom().getSecretKeyRef().getName()),
                                "after kustomize, " + e.getName() + " refers to a Secret that was not generated"));
            }
        }
    }

    private static boolean selectsAll(NetworkPolicy policy) {
        var selector = policy.getSpec().getPodSelector();
        return (selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
                && (selector.getMatchExpressions() == null
                        || selector.getMatchExpressions().isEmpty());
    }

    private static String imageName(String image) {
        int colon = image.lastIndexOf(':');
        assertTrue(colon > 0 && image.startsWith("lockstep/"), "not a tagged Lockstep image: " + image);
        return image.substring(0, colon);
    }

    /** name to the keys it makes, of a secretGenerator or configMapGenerator ("key=file" or just "file"). */
    private Map<String, Set<String>> generated(String generator) {
        Map<String, Set<String>> made = new HashMap<>();
        for (Object entry : DeployFiles.list(kustomization.get(generator), generator)) {
            Map<String, Object> g = DeployFiles.map(entry, generator + "[]");
            Set<String> keys = new HashSet<>();
            for (Object file : DeployFiles.list(g.get("files"), generator + ".files")) {
                String spec = String.valueOf(file);
                keys.add(
                        spec.contains("=")
                                ? spec.substring(0, spec.indexOf('='))
                                : Path.of(spec).getFileName().toString());
                String source = spec.contains("=") ? spec.substring(spec.indexOf('=') + 1) : spec;
                assertTrue(
                        source.startsWith("secrets/") || Files.isRegularFile(dir.resolve(source)),
                        generator + " reads a missing file " + source);
            }
            made.put(String.valueOf(g.get("name")), keys);
        }
        return made;
    }

    private static void assertProbe(Probe probe, String path, Container c, String what) {
        assertNotNull(probe, what + " probe is missing");
        assertNotNull(probe.getHttpGet(), what + " probe is not an HTTP GET");
        assertEquals(path, probe.getHttpGet().getPath(), what);
        String port = probe.getHttpGet().getPort().getStrVal();
        assertTrue(
                c.getPorts().stream().anyMatch(p -> p.getName().equals(port)),
                what + " probes port " + port + ", which the container does not declare");
    }
}
