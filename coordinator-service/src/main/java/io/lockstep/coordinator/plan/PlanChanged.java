package io.lockstep.coordinator.plan;

import io.lockstep.coordinator.catalog.PlanSpec;

/**
 * A plan was created or replaced, fired synchronously inside the transaction that stored it (the scheduler observes
 * it to recompute the plan's next fire time).
 */
public record PlanChanged(String name, PlanSpec spec) {}
