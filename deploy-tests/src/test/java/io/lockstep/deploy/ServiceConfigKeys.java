package io.lockstep.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The configuration a Lockstep service reads, from its sources: the keys of its application.properties (and the
 * keys its values refer to, such as {@code lockstep.topic-prefix}), and the {@code @ConfigMapping} interfaces of the
 * service and the Lockstep modules it uses. An environment variable is known when it is the environment form of one
 * of those keys (SmallRye: upper case, every other character '_'), or a prefix's form followed by map keys and a
 * mapping method's name ({@code LOCKSTEP_POSTGRES_STORES_APP_PASSWORD_FILE}).
 */
final class ServiceConfigKeys {

    /** The Lockstep modules whose configuration each service reads (its own first). */
    static final Map<String, List<String>> MODULES = Map.of(
            "coordinator-service", List.of("coordinator-service", "repository", "api-auth", "protocol"),
            "postgres-agent", List.of("postgres-agent", "agent-core", "repository", "protocol"),
            "objectstore-agent", List.of("objectstore-agent", "agent-core", "repository", "protocol"),
            "search-agent", List.of("search-agent", "agent-core", "repository", "protocol"),
            "notifier-service", List.of("notifier-service", "api-auth", "protocol"));

    /** Quarkus keys that are set only at deployment, never in a committed application.properties. */
    private static final Set<String> DEPLOYMENT_ONLY =
            Set.of("quarkus.datasource.password", "quarkus.mailer.password", "quarkus.profile");

    /** Variables for the JVM, not for the application. */
    private static final Set<String> JVM = Set.of("JDK_JAVA_OPTIONS");

    private static final Pattern MAPPING = Pattern.compile("@ConfigMapping\\(prefix = \"([^\"]+)\"\\)");
    private static final Pattern METHOD = Pattern.compile("^\\s+[\\w<>, .?]+ (\\w+)\\(\\);", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([a-z0-9.\\-]+)");

    private final Set<String> exact = new HashSet<>();
    private final Map<String, Set<String>> mappings = new java.util.HashMap<>();

    private ServiceConfigKeys() {}

    static ServiceConfigKeys of(Path root, String service) {
        List<String> modules = MODULES.get(service);
        if (modules == null) {
            throw new IllegalArgumentException("unknown service " + service + "; known: " + MODULES.keySet());
        }
        ServiceConfigKeys keys = new ServiceConfigKeys();
        DEPLOYMENT_ONLY.forEach(k -> keys.exact.add(env(k)));
        Path properties = root.resolve(service).resolve("src/main/resources/application.properties");
        for (String line : DeployFiles.read(properties).split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#") || !trimmed.contains("=")) {
                continue;
            }
            String key = trimmed.substring(0, trimmed.indexOf('=')).strip();
            keys.exact.add(env(key.startsWith("%") ? key.substring(key.indexOf('.') + 1) : key));
            Matcher reference = REFERENCE.matcher(trimmed.substring(trimmed.indexOf('=') + 1));
            while (reference.find()) {
                keys.exact.add(env(reference.group(1)));
            }
        }
        Set<String> s3Settings = methods(
                DeployFiles.read(root.resolve("repository/src/main/java/io/lockstep/repository/S3Settings.java")));
        for (String module : modules) {
            for (Path source : javaSources(root.resolve(module).resolve("src/main/java"))) {
                String text = DeployFiles.read(source);
                Matcher mapping = MAPPING.matcher(text);
                if (mapping.find()) {
                    Set<String> names = methods(text);
                    if (text.contains("extends S3Settings")) {
                        names.addAll(s3Settings);
                    }
                    keys.mappings
                            .computeIfAbsent(env(mapping.group(1)), p -> new HashSet<>())
                            .addAll(names);
                }
            }
        }
        return keys;
    }

    /** Null if the service reads the variable, else why not. */
    String problem(String variable) {
        if (JVM.contains(variable) || exact.contains(variable)) {
            return null;
        }
        for (Map.Entry<String, Set<String>> mapping : mappings.entrySet()) {
            if (!variable.startsWith(mapping.getKey() + "_")) {
                continue;
            }
            for (String method : mapping.getValue()) {
                if (variable.endsWith("_" + method) || variable.equals(mapping.getKey() + "_" + method)) {
                    return null;
                }
            }
        }
        return variable + " is not a key the service reads (application.properties or a @ConfigMapping)";
    }

    /**
     * Whether a property under one of the service's {@code @ConfigMapping} prefixes is a key of that mapping (true
     * for a property under no mapping prefix). SmallRye refuses to start a service whose configuration sets an
     * undeclared key under a mapping's prefix (SRCFG00050), even one a schedule or {@code @ConfigProperty} reads.
     */
    boolean declaredIfMapped(String property) {
        String variable = env(property);
        boolean mapped = false;
        for (Map.Entry<String, Set<String>> mapping : mappings.entrySet()) {
            if (!variable.startsWith(mapping.getKey() + "_")) {
                continue;
            }
            mapped = true;
            for (String method : mapping.getValue()) {
                if (variable.endsWith("_" + method)) {
                    return true;
                }
            }
        }
        return !mapped;
    }

    private static final Pattern READ_IN_CODE = Pattern.compile(
            "\\$\\{(lockstep\\.[a-z0-9.\\-]+)|@ConfigProperty\\(\\s*name\\s*=\\s*\"(lockstep\\.[a-z0-9.\\-]+)\"");

    /**
     * The {@code lockstep.*} keys the service's code reads outside its mappings: in schedule expressions
     * ({@code ${lockstep...}}) and {@code @ConfigProperty} injection points.
     */
    static Set<String> readInCode(Path root, String service) {
        Set<String> keys = new java.util.TreeSet<>();
        for (String module : MODULES.get(service)) {
            for (Path source : javaSources(root.resolve(module).resolve("src/main/java"))) {
                Matcher m = READ_IN_CODE.matcher(DeployFiles.read(source));
                while (m.find()) {
                    keys.add(m.group(1) != null ? m.group(1) : m.group(2));
                }
            }
        }
        return keys;
    }

    /** SmallRye's environment form of a property name. */
    static String env(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    private static Set<String> methods(String source) {
        Set<String> names = new HashSet<>();
        Matcher method = METHOD.matcher(source);
        while (method.find()) {
            names.add(env(method.group(1).replaceAll("([a-z0-9])([A-Z])", "$1-$2")));
        }
        return names;
    }

    private static List<Path> javaSources(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
