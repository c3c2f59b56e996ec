package io.lockstep.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-compose.yml's sample application across its three stores: the one-shot seeds run once their store is healthy,
 * load the bucket and the index the agents back up, and deploy/compose/sample-data.sh writes an object per row of
 * product_images (of the row's size, under its key) and a document per product.
 */
class ComposeSampleDataTest {

    private final Path root = DeployFiles.root();
    private final Map<String, Object> services =
            DeployFiles.map(DeployFiles.yaml(root.resolve("docker-compose.yml")).get("services"), "services");

    @Test
    void eachSeedWaitsForItsStoreToBeHealthyAndForTheDataToBeWritten() {
        assertEquals(Map.of("app-postgres", "service_healthy"), dependsOn("sample-data"));
        assertEquals(
                Map.of("minio", "service_healthy", "sample-data", "service_completed_successfully"),
                dependsOn("sample-media"));
        assertEquals(
                Map.of("elasticsearch", "service_healthy", "sample-data", "service_completed_successfully"),
                dependsOn("sample-index"));
        for (String store : List.of("app-postgres", "minio", "elasticsearch")) {
            assertTrue(service(store).containsKey("healthcheck"), store + " has no healthcheck to wait for");
        }
        assertEquals(
                "service_completed_successfully",
                dependsOn("objectstore-agent").get("sample-media"),
                "the objectstore-agent starts before its bucket exists");
    }

    @Test
    void theSeedsShareTheDataAndLoadTheBucketAndTheIndexTheAgentsBackUp() {
        Map<String, Object> env = environment("sample-data");
        String out = String.valueOf(env.get("SAMPLE_OUT"));
        assertTrue(volumes("sample-data").contains("sample-seed:" + out), "sample-data does not write sample-seed");
        assertTrue(volumes("sample-data").contains("./deploy/compose/sample-data.sh:/sample-data.sh:ro"));
        assertEquals(List.of("bash", "/sample-data.sh"), service("sample-data").get("entrypoint"));
        // The database's own password secret, read from its file.
        assertEquals(environment("app-postgres").get("POSTGRES_PASSWORD_FILE"), env.get("PGPASSWORD_FILE"));
        assertEquals(environment("app-postgres").get("POSTGRES_USER"), env.get("PGUSER"));
        assertEquals("app-postgres", env.get("PGHOST"));

        String bucket =
                String.valueOf(environment("objectstore-agent").get("LOCKSTEP_OBJECTSTORE_STORES_MEDIA_BUCKET"));
        String index = String.valueOf(environment("search-agent").get("LOCKSTEP_SEARCH_STORES_SEARCH_INDICES"));
        for (String loader : List.of("sample-media", "sample-index")) {
            assertTrue(volumes(loader).contains("sample-seed:" + out + ":ro"), loader + " does not read sample-seed");
        }
        String media = command("sample-media");
        assertTrue(media.contains("mc mb --ignore-existing demo/" + bucket), media);
        assertTrue(media.contains("mc mirror --overwrite " + out + "/media demo/" + bucket), media);
        String search = command("sample-index");
        assertTrue(search.contains("--data-binary @" + out + "/products.ndjson"), search);
        assertTrue(search.contains("http://elasticsearch:9200/" + index + "/_bulk?refresh=true"), search);
        assertTrue(search.contains("http://elasticsearch:9200/" + index + "/_count"), search);
        // Compose would substitute a single $ itself.
        assertFalse(media.replace("$$", "").contains("$"), media);
        assertFalse(search.replace("$$", "").contains("$"), search);
    }

    @Test
    void theRowsAreTheDemosFirstImages() {
        String demo = DeployFiles.read(root.resolve("deploy/local/demo.sh"));
        String script = DeployFiles.read(root.resolve("deploy/compose/sample-data.sh"));
        // demo.sh's add_image N: key images/product-P-N.bin with P = 1 + N % 5000, 512 + N % 1536 bytes; N = 1..600.
        assertTrue(demo.contains("key=\"images/product-$((1 + $1 % 5000))-$1.bin\""), "demo.sh's keys changed");
        assertTrue(demo.contains("$((512 + n % 1536))") && demo.contains("seq 1 600"), "demo.sh's images changed");
        assertTrue(
                script.contains(
                                "'images/product-' || (1 + n % 5000) || '-' || n || '.bin', 1 + n % 5000, 512 + n % 1536")
                        && script.contains("generate_series(1, 600)"),
                "sample-data.sh does not add the demo's images");
    }

    @Test
    void theScriptWritesAnObjectPerRowOfItsSizeAndADocumentPerProduct(@TempDir Path dir)
            throws IOException, InterruptedException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path log = dir.resolve("psql.log");
        Files.writeString(bin.resolve("psql"), """
                #!/usr/bin/env bash
                # psql as sample-data.sh calls it: prints what the database would answer
                printf '%s\\n' "$*" >>"$PSQL_LOG"
                case "$*" in
                  *"SELECT key, bytes"*) printf 'images/product-2-1.bin|513\\nimages/product-3-2.bin|514\\n../escape|10\\n' ;;
                  *json_build_object*) printf '{"index":{"_id":"p1"}}\\n{"sku":"SKU-000001","images":0}\\n{"index":{"_id":"p2"}}\\n{"sku":"SKU-000002","images":1}\\n' ;;
                esac
                """);
        Files.setPosixFilePermissions(bin.resolve("psql"), PosixFilePermissions.fromString("rwx------"));
        Path password = dir.resolve("password");
        Files.writeString(password, "secret-from-file");
        Path out = dir.resolve("seed");

        for (int run = 1; run <= 2; run++) { // a second start rewrites the same data
            ProcessBuilder builder = new ProcessBuilder(
                            "bash",
                            root.resolve("deploy/compose/sample-data.sh").toString())
                    .redirectErrorStream(true);
            builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
            builder.environment().put("PSQL_LOG", log.toString());
            builder.environment().put("PGPASSWORD_FILE", password.toString());
            builder.environment().put("SAMPLE_OUT", out.toString());
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "sample-data.sh did not end");
            assertEquals(0, process.exitValue(), output);
            assertTrue(output.contains("sample data: 2 images, 2 index documents"), output);
            assertTrue(output.contains("skipping the key '../escape'"), output);
        }

        assertEquals(513, Files.size(out.resolve("media/images/product-2-1.bin")));
        assertEquals(514, Files.size(out.resolve("media/images/product-3-2.bin")));
        try (var files = Files.walk(out.resolve("media"))) {
            assertEquals(2, files.filter(Files::isRegularFile).count(), "an object per plain key, nothing else");
        }
        assertFalse(Files.exists(dir.resolve("escape")));
        assertEquals(4, Files.readAllLines(out.resolve("products.ndjson")).size());
        assertEquals(List.of("images 2", "documents 2"), Files.readAllLines(out.resolve("expected")));
        String calls = Files.readString(log);
        int insert = calls.indexOf("INSERT INTO product_images");
        assertTrue(insert >= 0 && insert < calls.indexOf("SELECT key, bytes"), "the rows come first: " + calls);
        assertTrue(calls.contains("ON CONFLICT (key) DO NOTHING"), "a second start would add the rows twice");
        assertEquals(6, calls.split("-h app-postgres -U lockstep -d shop ", -1).length - 1, calls);
        assertFalse(calls.contains("secret-from-file"), "the password is on a command line");
    }

    private Map<String, Object> service(String name) {
        return DeployFiles.map(services.get(name), name);
    }

    private Map<String, Object> environment(String name) {
        return DeployFiles.map(service(name).get("environment"), name + ".environment");
    }

    private List<String> volumes(String name) {
        return DeployFiles.list(service(name).get("volumes"), name + ".volumes").stream()
                .map(String::valueOf)
                .toList();
    }

    private String command(String name) {
        return String.join(
                " ",
                DeployFiles.list(service(name).get("command"), name + ".command").stream()
                        .map(String::valueOf)
                        .toList());
    }

    private Map<String, String> dependsOn(String name) {
        Map<String, Object> on = DeployFiles.map(service(name).get("depends_on"), name + ".depends_on");
        Map<String, String> conditions = new java.util.TreeMap<>();
        on.forEach(
                (k, v) -> conditions.put(k, String.valueOf(DeployFiles.map(v, k).get("condition"))));
        return conditions;
    }
}
