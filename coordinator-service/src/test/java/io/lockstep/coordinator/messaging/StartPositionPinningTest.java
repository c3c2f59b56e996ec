package io.lockstep.coordinator.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class StartPositionPinningTest {

    private final TopicPartition read = new TopicPartition("lockstep.agent-events", 0);
    private final TopicPartition unread = new TopicPartition("lockstep.agent-events", 1);

    @Test
    void aPartitionWithoutACommittedOffsetGetsItsResetPositionCommitted() {
        MockConsumer<String, String> consumer = new MockConsumer<>("latest");
        consumer.assign(List.of(read, unread));
        consumer.updateBeginningOffsets(Map.of(read, 0L, unread, 0L));
        consumer.updateEndOffsets(Map.of(read, 40L, unread, 17L));
        consumer.commitSync(Map.of(read, new OffsetAndMetadata(12)));

        new StartPositionPinning().onPartitionsAssigned(consumer, List.of(read, unread));

        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.of(read, unread));
        assertEquals(12, committed.get(read).offset(), "a committed offset is left alone");
        assertEquals(17, committed.get(unread).offset(), "the reset position (latest) is pinned");
    }

    @Test
    void withEarliestThePinIsTheStartOfThePartition() {
        MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
        consumer.assign(List.of(unread));
        consumer.updateBeginningOffsets(Map.of(unread, 5L));
        consumer.updateEndOffsets(Map.of(unread, 17L));

        new StartPositionPinning().onPartitionsAssigned(consumer, List.of(unread));

        assertEquals(5, consumer.committed(Set.of(unread)).get(unread).offset());
    }
}
