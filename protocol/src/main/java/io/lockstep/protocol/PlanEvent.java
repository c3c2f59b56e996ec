package io.lockstep.protocol;

import java.time.Instant;
import java.util.UUID;

/**
 * Something that happened to a plan rather than to one run, on {@link Topics#RUN_EVENTS}: a scheduled run skipped
 * ({@link EventTypes#RUN_SKIPPED}) or a plan gone stale ({@link EventTypes#PLAN_STALE}).
 *
 * @param plan the plan
 * @param reason readable explanation, for people
 * @param runId the run involved, if any (for a skip: the run still going)
 * @param lastConsistentAt when the plan's newest CONSISTENT run ended, or null if it never had one
 * @param at when it happened
 */
public record PlanEvent(String plan, String reason, UUID runId, Instant lastConsistentAt, Instant at) {}
