package io.lockstep.notifier.channel;

import io.lockstep.notifier.routing.EventClass;
import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.MalformedEventException;
import io.lockstep.protocol.PlanEvent;
import io.lockstep.protocol.RunEvent;
import java.util.UUID;

/**
 * A public event ready to be delivered: the envelope, its payload and its routing class.
 *
 * @param event the CloudEvent as received; webhooks get it as their body
 * @param eventClass what routes select on
 * @param run the payload if it is a run event, else null
 * @param planEvent the payload if it is a plan event, else null
 */
public record Notification(CloudEvent event, EventClass eventClass, RunEvent run, PlanEvent planEvent) {

    /**
     * Reads a decoded envelope.
     *
     * @throws MalformedEventException if it is not a public run or plan event, or its payload does not fit
     */
    public static Notification of(CloudEvent event) {
        Class<?> payload = EventTypes.payloadOf(event.type());
        if (payload == RunEvent.class) {
            RunEvent run = EventCodec.payload(event, RunEvent.class);
            require(run.runId() != null && run.plan() != null, event, "runId and plan");
            return new Notification(event, EventClass.of(event.type(), run).orElseThrow(), run, null);
        }
        if (payload == PlanEvent.class) {
            PlanEvent plan = EventCodec.payload(event, PlanEvent.class);
            require(plan.plan() != null, event, "plan");
            return new Notification(event, EventClass.of(event.type(), null).orElseThrow(), null, plan);
        }
        throw new MalformedEventException(
                "event " + event.id() + " of type " + event.type() + " is not a public run or plan event");
    }

    private static void require(boolean present, CloudEvent event, String fields) {
        if (!present) {
            throw new MalformedEventException("event " + event.id() + " lacks " + fields);
        }
    }

    public String eventId() {
        return event.id();
    }

    public String eventType() {
        return event.type();
    }

    public String plan() {
        return run != null ? run.plan() : planEvent.plan();
    }

    /** The run concerned, or null for a plan event about no particular run. */
    public UUID runId() {
        return run != null ? run.runId() : planEvent.runId();
    }
}
