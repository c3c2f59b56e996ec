package io.lockstep.agent.core.process;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Locale;

/**
 * {@code lockstep_agent_child_process_exits_total}: every child process the agent ran (pg_dump, pg_restore, hooks),
 * by program name and outcome ({@code ok}, {@code error}, {@code killed}). A rise of {@code error} or {@code killed}
 * is the agent's tools failing before any step says why.
 */
@Singleton
public class ProcessMeters {

    public static final String EXITS = "lockstep.agent.child.process.exits";

    private final MeterRegistry registry;

    public ProcessMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    void onStart(@Observes StartupEvent event) {
        ChildProcess.onExit(this::record);
    }

    void record(String program, ChildProcess.Outcome outcome) {
        registry.counter(EXITS, "program", program, "outcome", outcome.name().toLowerCase(Locale.ROOT))
                .increment();
    }
}
