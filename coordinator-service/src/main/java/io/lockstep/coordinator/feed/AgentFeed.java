package io.lockstep.coordinator.feed;

import io.lockstep.protocol.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * How far the coordinators' view of the agents is current: the latest instant {@code T} such that every record
 * the broker held on {@code lockstep.agent-events} at {@code T} has been handled (its offset committed by the
 * coordinators' consumer group). An agent whose newest handled heartbeat is older than {@code T} minus the
 * liveness window really sent nothing for a whole window, as far as Kafka knows; an agent whose heartbeats are
 * still waiting in Kafka (a coordinator that just restarted, a group rebalancing, a broker the coordinator cannot
 * reach) is never judged on what the coordinator has not read yet.
 *
 * <p>Every {@code lockstep.coordinator.feed-check-every} the coordinator asks the broker for the topic's end offsets
 * (remembered with the instant they were asked), then for the group's committed offsets. The newest remembered
 * instant whose end offsets are all committed becomes {@link #caughtUpTo()}. While the broker does not answer,
 * nothing advances, so liveness judgement pauses instead of blaming agents for the coordinator's own lost
 * connection; and after the broker answers again (or after the coordinator started), an agent's silence is counted
 * from that moment only ({@link #reachableSince()}), as the agents could not send meanwhile either. A partition the group has never committed counts as read when it is assigned to a member of the group
 * (a new group that starts at the end of the topic).
 *
 * <p>With a channel other than Kafka (the in-memory connector of the unit tests) the feed counts as current.
 */
@ApplicationScoped
public class AgentFeed {

    private static final Logger LOG = Logger.getLogger(AgentFeed.class);
    private static final int MAX_PENDING = 600;
    private static final long TIMEOUT_MS = 3000;

    private final String connector;
    private final String topic;
    private final String group;
    private final Map<String, Object> kafkaConfig;

    Clock clock = Clock.systemUTC();

    private final Deque<Snapshot> pending = new ArrayDeque<>();
    private volatile Instant caughtUpTo;
    private volatile Instant reachableSince;
    private volatile boolean reachable = true;
    private Admin admin;

    private record Snapshot(Instant at, Map<TopicPartition, Long> ends) {}

    @Inject
    AgentFeed(
            @ConfigProperty(name = "mp.messaging.incoming.agent-events.connector", defaultValue = "") String connector,
            @ConfigProperty(name = "mp.messaging.incoming.agent-events.topic", defaultValue = Topics.AGENT_EVENTS)
                    String topic,
            @ConfigProperty(name = "mp.messaging.incoming.agent-events.group.id", defaultValue = "lockstep-coordinator")
                    String group,
            @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        this.connector = connector;
        this.topic = topic;
        this.group = group;
        this.kafkaConfig = kafkaConfig;
    }

    /** Whether the channel is Kafka; otherwise the feed is always current. */
    boolean tracked() {
        return "smallrye-kafka".equals(connector);
    }

    /**
     * The instant up to which every agent event is handled; empty while the coordinator has not caught up since it
     * started.
     */
    public Optional<Instant> caughtUpTo() {
        if (!tracked()) {
            return Optional.of(clock.instant());
        }
        return Optional.ofNullable(caughtUpTo);
    }

    /**
     * Since when the broker has answered every check without a break (the first check after the coordinator started
     * or after an outage). Agents could not send either while the broker was away, and need a moment to reconnect
     * after it: their silence counts only from here. {@link Instant#EPOCH} when the channel is not Kafka; empty before
     * the first successful check.
     */
    public Optional<Instant> reachableSince() {
        if (!tracked()) {
            return Optional.of(Instant.EPOCH);
        }
        return Optional.ofNullable(reachableSince);
    }

    /** Whether the last check reached the broker. */
    public boolean brokerReachable() {
        return !tracked() || reachable;
    }

    @Scheduled(
            every = "${lockstep.coordinator.feed-check-every:1s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void check() {
        if (!tracked()) {
            return;
        }
        Instant at = clock.instant();
        try {
            Admin client = admin();
            Set<TopicPartition> partitions = client
                    .describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .get(topic)
                    .partitions()
                    .stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .collect(Collectors.toSet());
            Map<TopicPartition, Long> ends = new HashMap<>();
            client.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
                    .all()
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .forEach((p, info) -> ends.put(p, info.offset()));
            Map<TopicPartition, OffsetAndMetadata> committed = client.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Set<TopicPartition> assigned = new HashSet<>();
            ConsumerGroupDescription description = client.describeConsumerGroups(List.of(group))
                    .all()
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .get(group);
            if (description != null) {
                for (MemberDescription member : description.members()) {
                    assigned.addAll(member.assignment().topicPartitions());
                }
            }
            synchronized (pending) {
                pending.addLast(new Snapshot(at, ends));
                while (pending.size() > MAX_PENDING) {
                    pending.removeFirst();
                }
                Instant newest = null;
                while (!pending.isEmpty() && read(pending.peekFirst().ends(), committed, assigned)) {
                    newest = pending.removeFirst().at();
                }
                if (newest != null && (caughtUpTo == null || newest.isAfter(caughtUpTo))) {
                    caughtUpTo = newest;
                }
            }
            if (!reachable) {
                LOG.infof("the broker answers again; agent events handled up to %s", caughtUpTo);
            }
            if (!reachable || reachableSince == null) {
                // When the broker answered, not when this check began: a check begun during an outage waits in its
                // calls until the broker is back, and agents need that moment too before they can send again.
                reachableSince = clock.instant();
            }
            reachable = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (reachable) {
                LOG.warnf(
                        "cannot check the agent events' offsets (%s); agents are not judged on liveness until the "
                                + "coordinator has read what the broker holds",
                        e.getMessage());
            }
            reachable = false;
        }
    }

    /** Whether every record a snapshot saw is handled. */
    static boolean read(
            Map<TopicPartition, Long> ends,
            Map<TopicPartition, OffsetAndMetadata> committed,
            Set<TopicPartition> assigned) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            OffsetAndMetadata done = committed.get(end.getKey());
            if (end.getValue() == 0) {
                continue;
            }
            if (done == null ? !assigned.contains(end.getKey()) : done.offset() < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Map<String, Object> props = new HashMap<>();
            Set<String> known = AdminClientConfig.configNames();
            kafkaConfig.forEach((k, v) -> {
                if (known.contains(k)) {
                    props.put(k, v);
                }
            });
            props.put(AdminClientConfig.CLIENT_ID_CONFIG, "lockstep-coordinator-feed");
            props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MS);
            props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MS);
            props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
            admin = Admin.create(props);
        }
        return admin;
    }

    synchronized void close(@Observes ShutdownEvent event) {
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(2));
            admin = null;
        }
    }
}
