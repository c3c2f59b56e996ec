package io.lockstep.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/** Where the repository's deployment files are, and typed access to plain YAML maps. */
final class DeployFiles {

    private DeployFiles() {}

    /** The repository's root: this module's parent directory (Maven runs the tests in the module's directory). */
    static Path root() {
        Path module = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        Path root = module.getParent();
        if (!Files.isRegularFile(root.resolve("docker-compose.yml"))) {
            throw new IllegalStateException("not a Lockstep checkout (no docker-compose.yml): " + root);
        }
        return root;
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One YAML document as maps and lists, with merge keys ({@code <<}) resolved. */
    static Map<String, Object> yaml(Path file) {
        Object loaded = new Yaml().load(read(file));
        if (!(loaded instanceof Map)) {
            throw new IllegalStateException(file + " is not a YAML mapping");
        }
        return map(loaded, file.toString());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value, String what) {
        if (!(value instanceof Map)) {
            throw new AssertionError(what + " is not a mapping: " + value);
        }
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value, String what) {
        if (!(value instanceof List)) {
            throw new AssertionError(what + " is not a list: " + value);
        }
        return (List<Object>) value;
    }

    /** Whether an executable of that name is on the PATH. */
    static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
