package io.lockstep.coordinator.messaging;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Pins where the coordinators' group starts reading a partition of {@code agent-events} the first time it is
 * assigned: the position the consumer resets to (earliest or latest, by configuration) is committed at once.
 *
 * <p>Without it, a partition that has no committed offset yet, because no event was processed from it, or the
 * commit interval had not passed when the coordinator died, is reset again on the next start. With {@code latest}
 * that skips every event the agents sent while the coordinator was down: a restarted coordinator would never see
 * the step results of a run whose events hash to such a partition, and the run would wait for its step deadline.
 * Partitions that already have a committed offset are left alone.
 */
@ApplicationScoped
@Identifier(StartPositionPinning.NAME)
public class StartPositionPinning implements KafkaConsumerRebalanceListener {

    /** The name {@code mp.messaging.incoming.agent-events.consumer-rebalance-listener.name} refers to. */
    public static final String NAME = "agent-events-start-position";

    private static final Logger LOG = Logger.getLogger(StartPositionPinning.class);

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
        Map<TopicPartition, OffsetAndMetadata> pins = new LinkedHashMap<>();
        for (TopicPartition partition : partitions) {
            if (committed.get(partition) == null) {
                pins.put(partition, new OffsetAndMetadata(consumer.position(partition)));
            }
        }
        if (pins.isEmpty()) {
            return;
        }
        consumer.commitSync(pins);
        pins.forEach((partition, offset) -> LOG.infof(
                "%s had no committed offset: reading starts at %d, committed so a restart resumes there",
                partition, offset.offset()));
    }
}
