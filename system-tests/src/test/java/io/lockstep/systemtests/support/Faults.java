package io.lockstep.systemtests.support;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;

/**
 * Real faults for the {@code *FaultIT} scenarios: processes killed with SIGKILL ({@link ServiceProcess#kill()}),
 * frozen with SIGSTOP and thawed with SIGCONT, and the shared Kafka broker stopped and started again through
 * {@code deploy/local/down kafka} and {@code deploy/local/up kafka}. Whoever stops the broker must start it again in a
 * {@code finally}; {@link #startKafka()} returns only once the broker answers and accepts a record, so the tests after
 * it find it healthy. The scenarios run under the suite's lock ({@code flock /tmp/lockstep-it.lock}), so no other
 * build's tests run while the broker is down.
 */
public final class Faults {

    private Faults() {}

    /** SIGSTOP: the process stays, but does nothing (no heartbeat, no I/O) until {@link #resume(long)}. */
    public static void freeze(long pid) {
        signal("-STOP", pid);
    }

    /** SIGCONT. */
    public static void resume(long pid) {
        signal("-CONT", pid);
    }

    private static void signal(String signal, long pid) {
        run(List.of("kill", signal, Long.toString(pid)));
    }

    /** Stops the broker the suite uses (its data stays). */
    public static void stopKafka() {
        run(List.of(deployLocal("down").toString(), "kafka"));
        Awaitility.await("Kafka stopped")
                .atMost(Duration.ofSeconds(60))
                .until(() -> !kafkaAnswers(Duration.ofSeconds(1)));
    }

    /** Starts the broker again and waits until it is healthy: metadata answers and a record is accepted. */
    public static void startKafka() {
        run(List.of(deployLocal("up").toString(), "kafka"));
        Awaitility.await("Kafka healthy")
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions()
                .until(() -> kafkaAnswers(Duration.ofSeconds(5)) && kafkaAccepts());
    }

    /** Whether the broker answers a metadata request within {@code timeout}. */
    public static boolean kafkaAnswers(Duration timeout) {
        Properties props = Kafka.plaintext();
        props.put("request.timeout.ms", (int) timeout.toMillis());
        props.put("default.api.timeout.ms", (int) timeout.toMillis());
        try (Admin admin = Admin.create(props)) {
            return !admin.describeCluster()
                    .nodes()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean kafkaAccepts() throws Exception {
        Properties props = Kafka.plaintext();
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        try (var producer = new KafkaProducer<String, String>(props)) {
            producer.send(new ProducerRecord<>(
                            "lockstep.it-fault-probe", UUID.randomUUID().toString(), "probe"))
                    .get(10, TimeUnit.SECONDS);
            return true;
        }
    }

    private static Path deployLocal(String script) {
        return Path.of(System.getProperty("lockstep.repo.dir", ".."))
                .resolve("deploy/local")
                .resolve(script);
    }

    private static void run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(150, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(
                        command + " failed (exit " + (p.isAlive() ? "timeout" : p.exitValue()) + ")");
            }
        } catch (IOException e) {
            throw new IllegalStateException(command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
