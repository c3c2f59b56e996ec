package io.lockstep.coordinator.run;

import io.lockstep.coordinator.catalog.RunEntity;
import io.lockstep.coordinator.catalog.StepEntity;
import java.util.List;

/**
 * A run reached its final state ({@code CONSISTENT}, {@code SUCCEEDED}, {@code FAILED} or {@code CANCELLED}): a CDI event fired by
 * {@link RunEvents#ended} in the transaction that ended it, with the run and its steps as they were then. The metrics
 * observe it after that transaction committed.
 */
public record RunEnded(RunEntity run, List<StepEntity> steps) {}
