package io.lockstep.agent.core.command;

import io.lockstep.agent.core.config.AgentConfig;
import io.lockstep.protocol.Heartbeat;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Instant;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Announces the agent and its stores on start and every {@code lockstep.agent.heartbeat-interval}. */
@ApplicationScoped
public class HeartbeatSender {

    private static final Logger LOG = Logger.getLogger(HeartbeatSender.class);

    private final AgentConfig config;
    private final StoreHandler handler;
    private final CommandLoop loop;
    private final AgentEvents events;
    private final String version;

    private final Instant startedAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    private volatile boolean lastFailed;

    @Inject
    public HeartbeatSender(
            AgentConfig config,
            StoreHandler handler,
            CommandLoop loop,
            AgentEvents events,
            @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version) {
        this.config = config;
        this.handler = handler;
        this.loop = loop;
        this.events = events;
        this.version = version;
    }

    void onStart(@Observes StartupEvent event) {
        LOG.infof(
                "agent %s serving %s stores %s",
                config.id(),
                handler.kind(),
                handler.stores().stream().map(Heartbeat.Store::id).toList());
    }

    @Scheduled(
            every = "${lockstep.agent.heartbeat-interval:5s}",
            delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void beat() {
        try {
            events.heartbeat(new Heartbeat(
                    config.id(), handler.kind(), version, startedAt, handler.stores(), loop.activeSteps()));
            if (lastFailed) {
                LOG.info("heartbeats reach Kafka again");
            }
            lastFailed = false;
        } catch (RuntimeException e) {
            if (!lastFailed) {
                LOG.warnf("heartbeat not sent: %s", e.getMessage());
            }
            lastFailed = true;
        }
    }
}
