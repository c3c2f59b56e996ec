package io.lockstep.agent.core.command;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/** What a running step can do besides its work: report, and learn that it must stop. */
public final class StepContext {

    private final UUID runId;
    private final UUID stepId;
    private final AgentEvents events;
    private final StepMeters.Step meter;
    private final List<Runnable> cancelHooks = new CopyOnWriteArrayList<>();
    private volatile String cancelReason;
    private volatile StepMeters.Reason cancelKind;

    StepContext(UUID runId, UUID stepId, AgentEvents events) {
        this(runId, stepId, events, null);
    }

    StepContext(UUID runId, UUID stepId, AgentEvents events, StepMeters.Step meter) {
        this.runId = runId;
        this.stepId = stepId;
        this.events = events;
        this.meter = meter;
    }

    /** The step this context belongs to. */
    public UUID stepId() {
        return stepId;
    }

    /** Reports a PostgreSQL snapshot point; sent at once, before the dump's bytes finish. */
    public void snapshotTaken(Instant snapshotTime, String lsn, String snapshotId) {
        events.snapshotTaken(runId, stepId, snapshotTime, lsn, snapshotId);
    }

    /** Reports progress; cheap to call often, events are rate-limited. */
    public void progress(long bytes, long items) {
        events.progress(runId, stepId, bytes, items);
        if (meter != null) {
            meter.bytes(bytes);
        }
        if (bytes > 0) {
            io.lockstep.agent.core.testing.TestPause.at("mid-upload", this::cancelled);
        }
    }

    public boolean cancelled() {
        return cancelReason != null;
    }

    public String cancelReason() {
        return cancelReason;
    }

    /** Runs when the step is cancelled (deadline passed, agent stopping): kill processes, abort uploads. */
    public void onCancel(Runnable hook) {
        cancelHooks.add(hook);
        if (cancelled()) {
            hook.run();
        }
    }

    /** Why the step was cancelled, for the failure meter; null while it was not. */
    StepMeters.Reason cancelKind() {
        return cancelKind;
    }

    void cancel(String reason) {
        cancel(reason, StepMeters.Reason.CANCELLED);
    }

    synchronized void cancel(String reason, StepMeters.Reason kind) {
        if (cancelReason != null) {
            return;
        }
        cancelKind = kind;
        cancelReason = reason;
        for (Runnable hook : cancelHooks) {
            try {
                hook.run();
            } catch (RuntimeException ignored) {
                // best effort: the step fails anyway
            }
        }
    }
}
