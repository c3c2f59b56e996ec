package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.outbox.Outbox;
import io.lockstep.protocol.RunEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.time.Clock;
import java.time.Instant;

/** Publishes run events through the outbox, in the transaction of the change they announce. */
@ApplicationScoped
public class RunEvents {

    private final Outbox outbox;
    private final Event<RunEnded> ended;
    private final Clock clock = Clock.systemUTC();

    RunEvents(Outbox outbox, Event<RunEnded> ended) {
        this.outbox = outbox;
        this.ended = ended;
    }

    /** The public record of a run's state, as every run event carries it. */
    public static RunEvent of(RunEntity run, String reason, Instant at) {
        return new RunEvent(
                run.id,
                run.plan,
                run.type.name(),
                run.state.name(),
                run.consistencyPoint,
                run.label,
                run.bytes,
                reason,
                at,
                run.startedAt,
                run.sourceRunId,
                run.verified);
    }

    /** Publishes an event about the run, with its error as the reason. */
    void publish(RunEntity run, String type) {
        publish(run, type, run.error);
    }

    void publish(RunEntity run, String type, String reason) {
        outbox.runEvent(type, of(run, reason, clock.instant()));
    }

    /** Tells observers (the metrics) that the run reached its final state; call once, where the state is set. */
    void ended(RunEntity run) {
        ended.fire(new RunEnded(run, StepEntity.ofRun(run.id)));
    }
}
