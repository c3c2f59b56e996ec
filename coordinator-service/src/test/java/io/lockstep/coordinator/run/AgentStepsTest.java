package io.lockstep.coordinator.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.catalog.AgentEntity;
import io.lockstep.coordinator.catalog.Json;
import io.lockstep.coordinator.catalog.StepEntity;
import io.lockstep.coordinator.catalog.StepState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class AgentStepsTest {

    static final Instant T0 = Instant.parse("2026-11-30T09:00:00Z");
    static final Duration GRACE = Duration.ofSeconds(5);
    static final Predicate<Instant> READ_ALL = t -> true;

    final StepEntity step = running(T0);
    final AgentEntity agent = agent(T0.minusSeconds(60), T0.plusSeconds(10), List.of());

    @Test
    void aStepTheHeartbeatDoesNotListFailsNamingTheHeartbeat() {
        Optional<String> reason = AgentSteps.notRunning(step, agent, READ_ALL, GRACE);
        assertTrue(reason.isPresent());
        assertTrue(reason.get().contains("agent pg-1 no longer runs it"), reason.get());
    }

    @Test
    void aListedStepIsRunning() {
        AgentEntity listing = agent(T0.minusSeconds(60), T0.plusSeconds(10), List.of(UUID.randomUUID(), step.id));
        assertEquals(Optional.empty(), AgentSteps.notRunning(step, listing, READ_ALL, GRACE));
    }

    @Test
    void aHeartbeatWithinTheGraceAfterTheAcceptIsNotTrusted() {
        AgentEntity early = agent(T0.minusSeconds(60), T0.plusSeconds(4), List.of());
        assertEquals(Optional.empty(), AgentSteps.notRunning(step, early, READ_ALL, GRACE));
        AgentEntity atGrace = agent(T0.minusSeconds(60), T0.plusSeconds(5), List.of());
        assertTrue(AgentSteps.notRunning(step, atGrace, READ_ALL, GRACE).isPresent());
    }

    @Test
    void aHeartbeatOfANewerProcessNeedsNoGraceAndNamesTheRestart() {
        AgentEntity restarted = agent(T0.plusSeconds(1), T0.plusSeconds(2), List.of());
        Optional<String> reason = AgentSteps.notRunning(step, restarted, READ_ALL, GRACE);
        assertEquals(
                Optional.of("agent pg-1 restarted at " + T0.plusSeconds(1) + "; step was not running on it"), reason);
    }

    @Test
    void aHeartbeatIsNotJudgedBeforeEveryEventSentUpToItWasRead() {
        // the step's succeeded may have been sent before the heartbeat, on another partition not read yet
        Predicate<Instant> readUpToHeartbeatMinusOne = t -> !t.isAfter(T0.plusSeconds(9));
        assertEquals(Optional.empty(), AgentSteps.notRunning(step, agent, readUpToHeartbeatMinusOne, GRACE));
    }

    @Test
    void onlyRunningStepsOfThatAgentAreJudged() {
        step.state = StepState.SUCCEEDED;
        assertEquals(Optional.empty(), AgentSteps.notRunning(step, agent, READ_ALL, GRACE));
        StepEntity other = running(T0);
        other.agentId = "pg-2";
        assertEquals(Optional.empty(), AgentSteps.notRunning(other, agent, READ_ALL, GRACE));
        assertEquals(Optional.empty(), AgentSteps.notRunning(running(T0), null, READ_ALL, GRACE));
    }

    static StepEntity running(Instant acceptedAt) {
        StepEntity s = new StepEntity();
        s.id = UUID.randomUUID();
        s.state = StepState.RUNNING;
        s.agentId = "pg-1";
        s.acceptedAt = acceptedAt;
        return s;
    }

    static AgentEntity agent(Instant startedAt, Instant lastSeen, List<UUID> active) {
        AgentEntity a = new AgentEntity();
        a.id = "pg-1";
        a.startedAt = startedAt;
        a.lastSeen = lastSeen;
        a.activeSteps = Json.write(active);
        return a;
    }
}
