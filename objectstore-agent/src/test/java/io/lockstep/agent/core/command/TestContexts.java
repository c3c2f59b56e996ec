package io.lockstep.agent.core.command;

import io.lockstep.agent.core.config.AgentConfig;
import java.lang.reflect.Proxy;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/** A {@link StepContext} for tests of step logic without Kafka: progress is dropped. */
public final class TestContexts {

    private TestContexts() {}

    public static StepContext context() {
        AgentConfig config = (AgentConfig) Proxy.newProxyInstance(
                AgentConfig.class.getClassLoader(),
                new Class<?>[] {AgentConfig.class},
                (p, m, a) -> switch (m.getName()) {
                    case "id" -> "test-agent";
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        @SuppressWarnings("unchecked")
        Emitter<String> emitter = (Emitter<String>) Proxy.newProxyInstance(
                Emitter.class.getClassLoader(), new Class<?>[] {Emitter.class}, (p, m, a) -> null);
        AgentEvents events = new AgentEvents(emitter, config) {
            @Override
            void progress(UUID runId, UUID stepId, long bytes, long items) {
                // dropped
            }
        };
        return new StepContext(UUID.randomUUID(), UUID.randomUUID(), events);
    }
}
