package io.lockstep.agent.core.command;

import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters every agent exports on {@code /q/metrics} about its steps: how long they took, how many bytes they wrote
 * to or read from the backup repository, and why they failed. Tags are bounded: the store kind, the action, the
 * outcome and the failure reason; never a run, step or store id.
 */
@ApplicationScoped
public class StepMeters {

    /** {@code lockstep_agent_step_duration_seconds}: a histogram per store kind, action and outcome. */
    public static final String STEP_DURATION = "lockstep.agent.step.duration";
    /** {@code lockstep_agent_step_failures_total}: per store kind, action and {@link Reason}. */
    public static final String STEP_FAILURES = "lockstep.agent.step.failures";
    /** {@code lockstep_agent_bytes_written_total}: bytes a BACKUP step stored in the repository, counted as it goes. */
    public static final String BYTES_WRITTEN = "lockstep.agent.bytes.written";
    /** {@code lockstep_agent_bytes_read_total}: bytes a VERIFY or RESTORE step read back, counted as it goes. */
    public static final String BYTES_READ = "lockstep.agent.bytes.read";

    private static final Duration[] BUCKETS = {
        Duration.ofSeconds(1),
        Duration.ofSeconds(5),
        Duration.ofSeconds(15),
        Duration.ofSeconds(30),
        Duration.ofMinutes(1),
        Duration.ofMinutes(2),
        Duration.ofMinutes(5),
        Duration.ofMinutes(10),
        Duration.ofMinutes(30),
        Duration.ofHours(1),
        Duration.ofHours(2),
        Duration.ofHours(6),
        Duration.ofHours(24)
    };

    /** Why a step failed, as a bounded tag. */
    public enum Reason {
        /** The step did not finish before its deadline. */
        DEADLINE,
        /** The coordinator cancelled it (its run ended first). */
        CANCELLED,
        /** The agent was stopping. */
        SHUTDOWN,
        /** The step's own work failed (a process exit, an S3 or database error, a refused artifact). */
        FAILED,
        /** An unexpected error of the agent. */
        CRASHED;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry;

    @Inject
    public StepMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Starts measuring one step. */
    public Step start(StepAction action, StoreKind kind) {
        return new Step(action, kind);
    }

    /** One running step: its bytes as they flow, then its outcome. */
    public final class Step {

        private final StepAction action;
        private final String kind;
        private final long startedNanos = System.nanoTime();
        private final AtomicLong counted = new AtomicLong();
        private final Counter bytes;

        private Step(StepAction action, StoreKind kind) {
            this.action = action;
            this.kind = kind.name();
            String name = direction(action);
            this.bytes = name == null ? null : registry.counter(name, "store_kind", this.kind);
        }

        /** The step's bytes so far (monotonic); only the increase since the last call is counted. */
        public void bytes(long soFar) {
            if (bytes == null) {
                return;
            }
            long before = counted.getAndAccumulate(soFar, Math::max);
            if (soFar > before) {
                bytes.increment(soFar - before);
            }
        }

        /** The step succeeded with {@code total} bytes (what progress did not report yet is counted now). */
        public void succeeded(long total) {
            bytes(total);
            timer("succeeded").record(Duration.ofNanos(System.nanoTime() - startedNanos));
        }

        /** The step failed. */
        public void failed(Reason reason) {
            timer("failed").record(Duration.ofNanos(System.nanoTime() - startedNanos));
            registry.counter(STEP_FAILURES, "store_kind", kind, "action", action.name(), "reason", reason.tag())
                    .increment();
        }

        private Timer timer(String outcome) {
            return Timer.builder(STEP_DURATION)
                    .description("Duration of the steps this agent ran")
                    .tags("store_kind", kind, "action", action.name(), "outcome", outcome)
                    .serviceLevelObjectives(BUCKETS)
                    .register(registry);
        }
    }

    /** Which byte counter an action feeds: a capture writes to the repository, a verify or restore reads from it. */
    static String direction(StepAction action) {
        return switch (action) {
            case BACKUP -> BYTES_WRITTEN;
            case VERIFY, RESTORE -> BYTES_READ;
            default -> null;
        };
    }
}
