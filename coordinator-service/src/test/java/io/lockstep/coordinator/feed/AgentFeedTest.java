package io.lockstep.coordinator.feed;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** When a snapshot of the topic's end offsets counts as read by the coordinators' group. */
class AgentFeedTest {

    private static final TopicPartition P0 = new TopicPartition("lockstep.agent-events", 0);
    private static final TopicPartition P1 = new TopicPartition("lockstep.agent-events", 1);

    @Test
    void readOnlyWhenEveryPartitionIsCommittedUpToTheSnapshot() {
        Map<TopicPartition, Long> ends = Map.of(P0, 10L, P1, 5L);
        assertTrue(AgentFeed.read(ends, Map.of(P0, new OffsetAndMetadata(10), P1, new OffsetAndMetadata(7)), Set.of()));
        assertFalse(
                AgentFeed.read(ends, Map.of(P0, new OffsetAndMetadata(9), P1, new OffsetAndMetadata(7)), Set.of()),
                "a record the group has not handled yet (a restarted coordinator's backlog)");
    }

    @Test
    void aPartitionNeverCommittedCountsAsReadOnlyWhileAMemberOwnsIt() {
        Map<TopicPartition, Long> ends = Map.of(P0, 10L, P1, 0L);
        assertFalse(AgentFeed.read(ends, Map.of(), Set.of()), "nobody consumes it: nothing is known");
        assertTrue(AgentFeed.read(ends, Map.of(), Set.of(P0)), "a new group that started at the end");
    }
}
