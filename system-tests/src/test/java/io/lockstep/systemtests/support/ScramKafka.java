package io.lockstep.systemtests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The second broker {@code deploy/local/up kafka-scram} starts: SASL/SCRAM-SHA-512 required, one user per
 * service, each password in a 0600 file under {@code $LOCKSTEP_HOME/run/kafka-scram/secrets}.
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
}
