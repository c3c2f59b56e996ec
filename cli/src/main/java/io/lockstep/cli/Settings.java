package io.lockstep.cli;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Where the CLI finds the coordinator and its token. For each setting, the first source that has it wins: a flag
 * ({@code --url}, {@code --token-file}), then the environment ({@code LOCKSTEP_URL}, {@code LOCKSTEP_TOKEN},
 * {@code LOCKSTEP_TOKEN_FILE}), then the config file ({@code url=}, {@code token=}, {@code token-file=}). The token is
 * never taken from a command-line value, where {@code ps} and shell histories would show it.
 *
 * <p>The config file is {@code --config}, {@code LOCKSTEP_CONFIG}, {@code $XDG_CONFIG_HOME/lockstep/config} or
 * {@code ~/.config/lockstep/config}; it may hold a token, so it is refused unless only its owner may read it (0600).
 *
 * @param url the coordinator's base URL, without {@code /api/v1}
 * @param token the bearer token, or null to send none
 */
public record Settings(URI url, String token) {

    public static final String DEFAULT_URL = "http://127.0.0.1:8080";
    private static final Set<String> FILE_KEYS = Set.of("url", "token", "token-file");
    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    /** The token itself is left out: a Settings printed by mistake shows no secret. */
    @Override
    public String toString() {
        return "Settings[url=" + url + ", token=" + (token == null ? "none" : "(set)") + "]";
    }

    /**
     * Resolves the settings.
     *
     * @param urlFlag {@code --url}, or null
     * @param tokenFileFlag {@code --token-file}, or null
     * @param configFlag {@code --config}, or null
     * @param env the process environment
     * @param home the user's home directory
     */
    public static Settings resolve(
            String urlFlag, Path tokenFileFlag, Path configFlag, Map<String, String> env, Path home) {
        Properties file = readConfigFile(configFile(configFlag, env, home), configFlag != null);
        String url = first(urlFlag, env.get("LOCKSTEP_URL"), file.getProperty("url"), DEFAULT_URL);
        String token;
        if (tokenFileFlag != null) {
            token = readTokenFile(tokenFileFlag, "--token-file");
        } else if (nonBlank(env.get("LOCKSTEP_TOKEN"))) {
            token = env.get("LOCKSTEP_TOKEN").strip();
        } else if (nonBlank(env.get("LOCKSTEP_TOKEN_FILE"))) {
            token = readTokenFile(Path.of(env.get("LOCKSTEP_TOKEN_FILE")), "LOCKSTEP_TOKEN_FILE");
        } else if (nonBlank(file.getProperty("token"))) {
            token = file.getProperty("token").strip();
        } else if (nonBlank(file.getProperty("token-file"))) {
            token = readTokenFile(Path.of(file.getProperty("token-file").strip()), "token-file in the config file");
        } else {
            token = null;
        }
        return new Settings(parseUrl(url), token);
    }

    static Path configFile(Path configFlag, Map<String, String> env, Path home) {
        if (configFlag != null) {
            return configFlag;
        }
        if (nonBlank(env.get("LOCKSTEP_CONFIG"))) {
            return Path.of(env.get("LOCKSTEP_CONFIG"));
        }
        if (nonBlank(env.get("XDG_CONFIG_HOME"))) {
            return Path.of(env.get("XDG_CONFIG_HOME"), "lockstep", "config");
        }
        return home.resolve(".config").resolve("lockstep").resolve("config");
    }

    /** Reads the config file if it exists (it must, when named by --config); refuses it unless it is 0600. */
    static Properties readConfigFile(Path path, boolean required) {
        Properties props = new Properties();
        if (!Files.exists(path)) {
            if (required) {
                throw CliException.usage("lockstep: the config file " + path + " does not exist");
            }
            return props;
        }
        checkOwnerOnly(path);
        try (Reader reader = Files.newBufferedReader(path)) {
            props.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw CliException.usage("lockstep: cannot read the config file " + path + ": " + e.getMessage());
        }
        for (String key : props.stringPropertyNames()) {
            if (!FILE_KEYS.contains(key)) {
                throw CliException.usage("lockstep: unknown key '" + key + "' in the config file " + path
                        + "; it takes url=, token= and token-file=");
            }
        }
        return props;
    }

    /** Refuses a file that anyone but its owner may read or write: it may hold a token. */
    static void checkOwnerOnly(Path path) {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(path);
        } catch (UnsupportedOperationException | IOException e) {
            throw CliException.usage(
                    "lockstep: cannot check the permissions of the config file " + path + ": " + e.getMessage());
        }
        if (!OWNER_ONLY.containsAll(permissions)) {
            throw CliException.usage("lockstep: refusing the config file " + path + ": its mode is "
                    + java.nio.file.attribute.PosixFilePermissions.toString(permissions)
                    + " but it may hold a token, so only its owner may read it; run: chmod 600 " + path);
        }
    }

    private static String readTokenFile(Path path, String source) {
        try {
            String token = Files.readString(path).lines().findFirst().orElse("").strip();
            if (token.isEmpty()) {
                throw CliException.usage("lockstep: the token file " + path + " (" + source + ") is empty");
            }
            return token;
        } catch (IOException e) {
            throw CliException.usage(
                    "lockstep: cannot read the token file " + path + " (" + source + "): " + e.getMessage());
        }
    }

    /** The coordinator's base URL: http(s), trailing slashes and a trailing {@code /api/v1} dropped. */
    static URI parseUrl(String url) {
        String base = url.strip();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        if (base.endsWith("/api/v1")) {
            base = base.substring(0, base.length() - "/api/v1".length());
        }
        try {
            URI uri = new URI(base);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw CliException.usage("lockstep: the coordinator URL must be http(s)://host[:port], not '" + url
                        + "' (from --url, LOCKSTEP_URL or url= in the config file)");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw CliException.usage("lockstep: '" + url + "' is not a URL: " + e.getMessage());
        }
    }

    private static String first(String... values) {
        for (String v : values) {
            if (nonBlank(v)) {
                return v;
            }
        }
        return null;
    }

    private static boolean nonBlank(String s) {
        return s != null && !s.isBlank();
    }
}
