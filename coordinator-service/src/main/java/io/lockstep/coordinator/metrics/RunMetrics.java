package io.lockstep.coordinator.metrics;

import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.run.RunEnded;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Counters and histograms about runs, recorded once per run when the transaction that ended it committed (a run that
 * rolled back is not counted). Tags are bounded: plan, run type, final state, step action, store kind; never a run id.
 * Each coordinator counts the runs it ended: sum over coordinators.
 */
@ApplicationScoped
public class RunMetrics {

    private static final Logger LOG = Logger.getLogger(RunMetrics.class);

    static final Duration[] RUN_BUCKETS = {
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
        Duration.ofHours(12),
        Duration.ofHours(24)
    };

    private final MeterRegistry registry;

    RunMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void onRunEnded(@Observes(during = TransactionPhase.AFTER_SUCCESS) RunEnded ended) {
        try {
            record(RunOutcome.of(ended.run(), ended.steps()));
        } catch (RuntimeException e) {
            // Metrics never fail a run: the run is committed already; say so and carry on.
            LOG.warnf(e, "could not record the metrics of run %s", ended.run().id);
        }
    }

    /** Records one ended run. */
    void record(RunOutcome run) {
        String type = run.type().name();
        String state = run.state().name();
        registry.counter(MeterNames.RUNS, "plan", run.plan(), "type", type, "state", state)
                .increment();
        run.duration()
                .ifPresent(d -> Timer.builder(MeterNames.RUN_DURATION)
                        .description("Duration of runs, from their start to their final state")
                        .tags("plan", run.plan(), "type", type, "state", state)
                        .serviceLevelObjectives(RUN_BUCKETS)
                        .register(registry)
                        .record(d));
        if (run.state() == RunState.CONSISTENT || run.state() == RunState.SUCCEEDED) {
            DistributionSummary.builder(MeterNames.RUN_BYTES)
                    .description("Bytes per run: stored by a backup, restored by a restore or drill")
                    .baseUnit("bytes")
                    .tags("plan", run.plan(), "type", type)
                    .register(registry)
                    .record(run.bytes());
            run.objects()
                    .ifPresent(n -> DistributionSummary.builder(MeterNames.RUN_OBJECTS)
                            .description("Objects listed by a backup's object-store copies")
                            .tags("plan", run.plan())
                            .register(registry)
                            .record(n));
        }
        for (RunOutcome.StepTime step : run.steps()) {
            Timer.builder(MeterNames.STEP_DURATION)
                    .description("Duration of the steps of ended runs, as the coordinator recorded them")
                    .tags(
                            "action", step.action().name(),
                            "store_kind", String.valueOf(step.storeKind()),
                            "state", step.state().name())
                    .serviceLevelObjectives(RUN_BUCKETS)
                    .register(registry)
                    .record(step.duration());
        }
        for (Duration window : run.quiesceWindows()) {
            Timer.builder(MeterNames.QUIESCE_WINDOW)
                    .description("How long a backup held a search store quiesced, acknowledgement to release")
                    .tags("plan", run.plan())
                    .serviceLevelObjectives(RUN_BUCKETS)
                    .register(registry)
                    .record(window);
        }
        run.verificationKind()
                .ifPresent(kind -> registry.counter(
                                MeterNames.VERIFICATIONS,
                                "plan",
                                run.plan(),
                                "kind",
                                kind,
                                "outcome",
                                outcome(run.state()))
                        .increment());
    }

    /** A drill's or re-verification's outcome: passed, failed, or cancelled by an operator (neither). */
    static String outcome(RunState state) {
        return switch (state) {
            case SUCCEEDED -> "passed";
            case CANCELLED -> "cancelled";
            default -> "failed";
        };
    }
}
