package io.lockstep.coordinator.outbox;

import io.lockstep.coordinator.catalog.OutboxMessage;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.PlanEvent;
import io.lockstep.protocol.RunEvent;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StoreKind;
import io.lockstep.protocol.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Writes outgoing records into the outbox table, inside the caller's transaction: the state change and the
 * message it causes commit together or not at all. {@link OutboxRelay} sends them after the commit.
 */
@ApplicationScoped
public class Outbox {

    private final EventCodec codec = new EventCodec("/coordinator");

    private final TransactionSynchronizationRegistry transactions;
    private final OutboxRelay relay;
    private final Topics topics;

    Outbox(
            TransactionSynchronizationRegistry transactions,
            OutboxRelay relay,
            @ConfigProperty(name = Topics.PREFIX_PROPERTY) Optional<String> topicPrefix) {
        this.transactions = transactions;
        this.relay = relay;
        this.topics = Topics.withPrefix(topicPrefix.orElse(""));
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void command(StoreKind kind, StepCommand command) {
        write(
                topics.commands(kind),
                command.store(),
                codec.encode(EventTypes.STEP_COMMAND, command.runId().toString(), command));
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void runEvent(String type, RunEvent event) {
        write(
                topics.runEvents(),
                event.runId().toString(),
                codec.encode(type, event.runId().toString(), event));
    }

    /** A plan event (a scheduled run skipped, a plan gone stale), keyed by plan name. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void planEvent(String type, PlanEvent event) {
        write(topics.runEvents(), event.plan(), codec.encode(type, event.plan(), event));
    }

    private void write(String topic, String key, String payload) {
        OutboxMessage message = new OutboxMessage();
        message.topic = topic;
        message.key = key;
        message.payload = payload;
        message.createdAt = Instant.now();
        message.persist();
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {}

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    relay.wake();
                }
            }
        });
    }
}
