package io.lockstep.systemtests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;

/**
 * The second broker {@code deploy/local/up kafka-scram} starts: SASL/SCRAM-SHA-512 required, one user per
 * service, each password in a 0600 file under {@code $LOCKSTEP_HOME/run/kafka-scram/secrets}, and ACLs that let each
 * service do only its part (super user: {@code admin}).
 */
public final class ScramKafka {

    public static final String BOOTSTRAP = "127.0.0.1:" + Integer.getInteger("lockstep.kafka-scram.port", 9094);
    public static final String MECHANISM = "SCRAM-SHA-512";
    private static final String LOGIN_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule";

    private ScramKafka() {}

    public static Path secrets() {
        return Lockstep.runDirectory().resolve("kafka-scram").resolve("secrets");
    }

    /** A user's password, read from its file (for the test's own clients and the leak checks). */
    public static String password(String user) {
        try {
            return Files.readString(secrets().resolve(user));
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "no SCRAM password file for " + user + "; run deploy/local/up kafka-scram", e);
        }
    }

    /**
     * A Lockstep service's settings for this broker, as README documents them: the password stays in its file
     * and Kafka's DirectoryConfigProvider reads it ({@code $$} keeps SmallRye Config from expanding the
     * expression itself).
     */
    public static Map<String, String> serviceConfig(String user) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("kafka.bootstrap.servers", BOOTSTRAP);
        config.put("kafka.security.protocol", "SASL_PLAINTEXT");
        config.put("kafka.sasl.mechanism", MECHANISM);
        config.put("kafka.config.providers", "dir");
        config.put(
                "kafka.config.providers.dir.class", "org.apache.kafka.common.config.provider.DirectoryConfigProvider");
        config.put(
                "kafka.sasl.jaas.config",
                LOGIN_MODULE + " required username=\"" + user + "\" password=\"$${dir:" + secrets() + ":" + user
                        + "}\";");
        return config;
    }

    /** Properties of a plain Kafka client of this broker; without a user, no credentials at all. */
    public static Properties clientProperties(String user, String password) {
        Properties props = new Properties();
        props.put("bootstrap.servers", BOOTSTRAP);
        if (user != null) {
            props.put("security.protocol", "SASL_PLAINTEXT");
            props.put("sasl.mechanism", MECHANISM);
            props.put(
                    "sasl.jaas.config",
                    LOGIN_MODULE + " required username=\"" + user + "\" password=\"" + password + "\";");
        }
        return props;
    }

    /**
     * Applies the ACLs of the installation with topic prefix {@code prefix} the documented way: {@code deploy/local/up
     * kafka-scram} with {@code LOCKSTEP_TOPIC_PREFIX} set (a broker already running is left as it is).
     */
    public static void applyAcls(String prefix, Path workDir) throws IOException, InterruptedException {
        Path repo = Path.of(System.getProperty("lockstep.repo.dir", ".."));
        Path log = workDir.resolve("up-kafka-scram.log");
        ProcessBuilder builder = new ProcessBuilder(
                        repo.resolve("deploy/local/up").toString(), "kafka-scram")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("LOCKSTEP_TOPIC_PREFIX", prefix);
        Process up = builder.start();
        if (!up.waitFor(5, TimeUnit.MINUTES)) {
            up.destroyForcibly();
            throw new IllegalStateException("deploy/local/up kafka-scram did not finish; see " + log);
        }
        if (up.exitValue() != 0) {
            throw new IllegalStateException(
                    "deploy/local/up kafka-scram failed (exit " + up.exitValue() + "): " + Files.readString(log));
        }
    }

    /** Removes the ACLs of the resources whose names start with {@code prefix} (a build's own, when it ends). */
    public static void deleteAcls(String prefix) throws Exception {
        if (prefix.isEmpty()) {
            throw new IllegalArgumentException("refusing to delete the ACLs of the unprefixed installation");
        }
        try (Admin admin = Admin.create(clientProperties("admin", password("admin")))) {
            List<AclBindingFilter> ours = admin.describeAcls(AclBindingFilter.ANY).values().get().stream()
                    .filter(b -> b.pattern().name().startsWith(prefix))
                    .map(AclBinding::toFilter)
                    .toList();
            if (!ours.isEmpty()) {
                admin.deleteAcls(ours).all().get(30, TimeUnit.SECONDS);
            }
        }
    }
}
