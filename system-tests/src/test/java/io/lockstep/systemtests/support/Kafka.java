package io.lockstep.systemtests.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;

/** Reads and writes the real broker's topics. */
public final class Kafka {

    private Kafka() {}

    public static void send(String topic, String key, String value) throws Exception {
        send(topic, null, key, value);
    }

    /** Sends one record to a chosen partition ({@code null}: the one its key hashes to). */
    public static void send(String topic, Integer partition, String key, String value) throws Exception {
        send(plaintext(), topic, partition, key, value);
    }

    /** Sends one record through a connection of its own (another broker, another user). */
    public static void send(Properties connection, String topic, Integer partition, String key, String value)
            throws Exception {
        Properties props = new Properties();
        props.putAll(connection);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (var producer = new KafkaProducer<String, String>(props)) {
            producer.send(new ProducerRecord<>(topic, partition, key, value)).get();
        }
    }

    /** Reads a topic from the beginning until {@code until} holds for the records read so far. */
    public static List<ConsumerRecord<String, String>> readUntil(
            String topic, Predicate<List<ConsumerRecord<String, String>>> until) {
        return readUntil(topic, plaintext(), until);
    }

    /** {@link #readUntil(String, Predicate)} through a connection of its own (another broker, another user). */
    public static List<ConsumerRecord<String, String>> readUntil(
            String topic, Properties connection, Predicate<List<ConsumerRecord<String, String>>> until) {
        Properties props = new Properties();
        props.putAll(connection);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "it-reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (var consumer = new KafkaConsumer<String, String>(props)) {
            consumer.subscribe(List.of(topic));
            Awaitility.await("records on " + topic)
                    .atMost(Duration.ofSeconds(60))
                    .pollDelay(Duration.ZERO)
                    .until(() -> {
                        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
                        return until.test(records);
                    });
        }
        return records;
    }

    /**
     * Every record now on every topic whose name starts with {@code prefix}, read from the beginning to the
     * current end of each partition.
     */
    public static List<ConsumerRecord<String, String>> readAll(String prefix, Properties connection) throws Exception {
        List<TopicPartition> partitions;
        try (Admin admin = Admin.create(connection)) {
            List<String> topics = admin.listTopics().names().get().stream()
                    .filter(t -> t.startsWith(prefix))
                    .toList();
            partitions = admin.describeTopics(topics).allTopicNames().get().values().stream()
                    .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                    .toList();
        }
        if (partitions.isEmpty()) {
            return List.of(); // no such topic (yet): nothing was ever written to it
        }
        Properties props = new Properties();
        props.putAll(connection);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (var consumer = new KafkaConsumer<String, String>(props)) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            Awaitility.await("every record of " + prefix + "*")
                    .atMost(Duration.ofSeconds(60))
                    .pollDelay(Duration.ZERO)
                    .until(() -> {
                        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
                        return partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
                    });
        }
        return records;
    }

    /** Deletes every topic whose name starts with {@code prefix} (a build's own topics, when it ends). */
    public static void deleteTopics(String prefix) {
        if (prefix.isEmpty()) {
            throw new IllegalArgumentException("refusing to delete every topic of the broker");
        }
        try (Admin admin = Admin.create(plaintext())) {
            List<String> topics = admin.listTopics().names().get(10, java.util.concurrent.TimeUnit.SECONDS).stream()
                    .filter(t -> t.startsWith(prefix))
                    .toList();
            admin.deleteTopics(topics).all().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("could not delete the topics " + prefix + "*: " + e.getMessage());
        }
    }

    /** Connection settings of the plaintext broker the suite's services use. */
    public static Properties plaintext() {
        Properties props = new Properties();
        props.put("bootstrap.servers", Lockstep.KAFKA);
        return props;
    }

    /** How many partitions a topic has. */
    public static int partitionCount(String topic) throws Exception {
        try (Admin admin = Admin.create(plaintext())) {
            return admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get()
                    .get(topic)
                    .partitions()
                    .size();
        }
    }

    /** Waits until a consumer group has committed every record currently on the topic. */
    public static void awaitConsumed(String group, String topic) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", Lockstep.KAFKA);
        try (Admin admin = Admin.create(props)) {
            var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            Map<TopicPartition, Long> ends = admin
                    .listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
                    .all()
                    .get()
                    .entrySet()
                    .stream()
                    .collect(Collectors.toMap(
                            Map.Entry::getKey, e -> e.getValue().offset()));
            Awaitility.await(group + " consumed " + topic)
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> {
                        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                                .partitionsToOffsetAndMetadata()
                                .get();
                        return ends.entrySet().stream()
                                .allMatch(e -> e.getValue() == 0
                                        || (committed.get(e.getKey()) != null
                                                && committed.get(e.getKey()).offset() >= e.getValue()));
                    });
        }
    }
}
