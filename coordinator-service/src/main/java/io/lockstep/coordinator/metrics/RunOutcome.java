package io.lockstep.coordinator.metrics;

import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.RunState;
import io.lockstep.coordinator.catalog.RunType;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StoreKind;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the meters record about a run that ended, taken from the run and its steps as they were committed. Pure: no
 * catalog access, no registry.
 *
 * @param plan the plan's name
 * @param type backup, restore, drill, dry run or re-verification
 * @param state its final state
 * @param duration from its start to its end; empty if it never started
 * @param bytes the run's bytes (stored for a backup, restored for a restore or drill)
 * @param objects a backup's objects listed in its object-store copies; empty when it copied no object store
 * @param steps every step that ended, with its duration
 * @param quiesceWindows per quiesced store, from the quiesce acknowledged to the release
 */
public record RunOutcome(
        String plan,
        RunType type,
        RunState state,
        Optional<Duration> duration,
        long bytes,
        OptionalLong objects,
        List<StepTime> steps,
        List<Duration> quiesceWindows) {

    /** One step that ended: what it did, on which kind of store, how it ended and how long it ran. */
    public record StepTime(StepAction action, StoreKind storeKind, StepState state, Duration duration) {}

    public static RunOutcome of(RunEntity run, List<StepEntity> steps) {
        Optional<Duration> duration = run.startedAt == null || run.endedAt == null
                ? Optional.empty()
                : Optional.of(nonNegative(Duration.between(run.startedAt, run.endedAt)));
        return new RunOutcome(
                run.plan,
                run.type,
                run.state,
                duration,
                run.bytes,
                run.type == RunType.BACKUP ? objects(steps) : OptionalLong.empty(),
                stepTimes(steps),
                run.type == RunType.BACKUP ? quiesceWindows(steps) : List.of());
    }

    /** Whether this run checked a backup: a drill or a re-verification. Its state says whether the check passed. */
    public Optional<String> verificationKind() {
        return switch (type) {
            case DRILL -> Optional.of("drill");
            case VERIFY -> Optional.of("verify");
            default -> Optional.empty();
        };
    }

    private static OptionalLong objects(List<StepEntity> steps) {
        long total = 0;
        boolean any = false;
        for (StepEntity step : steps) {
            if (step.action == StepAction.BACKUP && step.storeKind == StoreKind.OBJECTSTORE) {
                String objects = step.evidence.get(EvidenceKeys.OBJECTS);
                if (objects != null) {
                    try {
                        total += Long.parseLong(objects);
                        any = true;
                    } catch (NumberFormatException ignored) {
                        // not a count: left out
                    }
                }
            }
        }
        return any ? OptionalLong.of(total) : OptionalLong.empty();
    }

    private static List<StepTime> stepTimes(List<StepEntity> steps) {
        List<StepTime> times = new ArrayList<>();
        for (StepEntity step : steps) {
            Instant from = step.startedAt != null ? step.startedAt : step.acceptedAt;
            if (from == null || step.endedAt == null || !ended(step.state)) {
                continue;
            }
            times.add(new StepTime(
                    step.action, step.storeKind, step.state, nonNegative(Duration.between(from, step.endedAt))));
        }
        return times;
    }

    /** Per store: the quiesce's {@code quiescedAt} to the release's {@code resumedAt}, when both were recorded. */
    private static List<Duration> quiesceWindows(List<StepEntity> steps) {
        Map<String, Instant> quiesced = new HashMap<>();
        Map<String, Instant> resumed = new HashMap<>();
        for (StepEntity step : steps) {
            if (step.state != StepState.SUCCEEDED) {
                continue;
            }
            if (step.action == StepAction.QUIESCE) {
                instant(step.evidence.get(EvidenceKeys.QUIESCED_AT)).ifPresent(t -> quiesced.put(step.store, t));
            } else if (step.action == StepAction.RESUME) {
                instant(step.evidence.get(EvidenceKeys.RESUMED_AT)).ifPresent(t -> resumed.put(step.store, t));
            }
        }
        List<Duration> windows = new ArrayList<>();
        quiesced.forEach((store, from) -> {
            Instant to = resumed.get(store);
            if (to != null) {
                windows.add(nonNegative(Duration.between(from, to)));
            }
        });
        return windows;
    }

    private static boolean ended(StepState state) {
        return state == StepState.SUCCEEDED || state == StepState.FAILED || state == StepState.CANCELLED;
    }

    private static Optional<Instant> instant(String value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(value));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }
}
