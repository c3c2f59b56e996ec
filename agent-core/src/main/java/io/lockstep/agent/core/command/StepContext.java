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
    private final List<Runnable> cancelHooks = new CopyOnWriteArrayList<>();
    private volatile String cancelReason;

    StepContext(UUID runId, UUID stepId, AgentEvents events) {
        this.runId = runId;
        this.stepId = stepId;
        this.events = events;
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
        if (bytes > 0) {
            io.lockstep.agent.core.testing.TestPause.at("mid-upload");
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

    void cancel(String reason) {
        if (cancelReason != null) {
            return;
        }
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
