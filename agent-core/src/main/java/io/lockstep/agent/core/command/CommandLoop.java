package io.lockstep.agent.core.command;

import io.lockstep.agent.core.config.AgentConfig;
import io.lockstep.agent.core.process.Redactor;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.protocol.MalformedEventException;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.repository.BackupRepository;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * The agent's command loop. A command is taken off Kafka quickly: validated, filtered to this agent's
 * stores, acknowledged with a step-accepted event, and handed to a bounded worker pool. The record is then
 * committed; long work never holds the consumer. A malformed record throws, which sends it to the
 * dead-letter topic. Work is bounded by the command's deadline, and a duplicate delivery of a step already
 * seen is ignored.
 */
@ApplicationScoped
public class CommandLoop {

    private static final Logger LOG = Logger.getLogger(CommandLoop.class);
    private static final int REMEMBERED_STEPS = 10_000;

    private final AgentConfig config;
    private final StoreHandler handler;
    private final AgentEvents events;
    private final LeaseManager leases;
    private final BackupRepository repository;
    private final StepMeters meters;
    private final Clock clock = Clock.systemUTC();
    private final Map<UUID, StepContext> active = new ConcurrentHashMap<>();
    private final Set<UUID> seen = Collections.synchronizedSet(Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
            return size() > REMEMBERED_STEPS;
        }
    }));
    private ExecutorService workers;
    private ScheduledExecutorService deadlines;

    @Inject
    CommandLoop(
            AgentConfig config,
            StoreHandler handler,
            AgentEvents events,
            LeaseManager leases,
            BackupRepository repository,
            StepMeters meters) {
        this.config = config;
        this.handler = handler;
        this.events = events;
        this.leases = leases;
        this.repository = repository;
        this.meters = meters;
    }

    @PostConstruct
    void init() {
        AtomicInteger n = new AtomicInteger();
        workers = Executors.newFixedThreadPool(Math.max(1, config.maxConcurrentSteps()), r -> {
            Thread t = new Thread(r, "step-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "step-deadlines");
            t.setDaemon(true);
            return t;
        });
    }

    void stop(@Observes ShutdownEvent event) {
        active.values().forEach(c -> c.cancel("the agent is shutting down", StepMeters.Reason.SHUTDOWN));
        workers.shutdown();
        deadlines.shutdownNow();
    }

    /** The steps running now, for heartbeats. */
    public List<UUID> activeSteps() {
        return List.copyOf(active.keySet());
    }

    @Incoming("commands")
    @Blocking
    public void onCommand(String record) {
        StepCommand command;
        try {
            command = EventCodec.decodePayload(record, StepCommand.class);
        } catch (MalformedEventException e) {
            LOG.warnf("malformed command sent to the dead-letter topic: %s", e.getMessage());
            throw e;
        }
        boolean served = handler.stores().stream().anyMatch(s -> s.id().equals(command.store()));
        if (!served) {
            LOG.debugf(
                    "ignoring step %s for store %s, which this agent does not serve",
                    command.stepId(), command.store());
            return;
        }
        String addressee = command.parameter(StepCommand.Parameters.AGENT);
        if (addressee != null && !addressee.equals(config.id())) {
            LOG.warnf(
                    "ignoring %s step %s for store %s: it is addressed to agent %s, which serves the store; this agent"
                            + " (%s) is configured with the same store, and the coordinator refuses its claim",
                    command.action(), command.stepId(), command.store(), addressee, config.id());
            return;
        }
        if (command.action() == StepAction.RENEW_LEASE || command.action() == StepAction.CANCEL) {
            control(command);
            return;
        }
        if (seen.contains(command.stepId()) || active.containsKey(command.stepId())) {
            LOG.infof("ignoring duplicate delivery of step %s", command.stepId());
            return;
        }
        Instant now = clock.instant();
        if (!command.deadline().isAfter(now)) {
            LOG.warnf(
                    "ignoring step %s of run %s: its deadline %s has passed",
                    command.stepId(), command.runId(), command.deadline());
            return;
        }
        StepMeters.Step meter = meters.start(command.action(), handler.kind());
        StepContext context = new StepContext(command.runId(), command.stepId(), events, meter);
        active.put(command.stepId(), context);
        try {
            events.accepted(command.runId(), command.stepId());
        } catch (RuntimeException e) {
            // Not accepted: forget the step, so a redelivery of the command is not taken for a duplicate.
            active.remove(command.stepId());
            LOG.warnf("step %s was not accepted: %s", command.stepId(), e.getMessage());
            throw e;
        }
        // Seen only once the coordinator can know the step was taken: a command whose acceptance was never
        // acknowledged (Kafka down) stays eligible for its redelivery.
        seen.add(command.stepId());
        long millisLeft = Duration.between(now, command.deadline()).toMillis();
        ScheduledFuture<?> timeout = deadlines.schedule(
                () -> context.cancel(
                        "the step did not finish before its deadline " + command.deadline(),
                        StepMeters.Reason.DEADLINE),
                millisLeft,
                TimeUnit.MILLISECONDS);
        workers.submit(() -> run(command, context, meter, timeout));
    }

    /** Commands about other steps: they carry no step of their own and emit no event. */
    private void control(StepCommand command) {
        if (command.action() == StepAction.RENEW_LEASE) {
            if (!leases.renew(command.store(), command.runId(), leaseTtl(command))) {
                LOG.debugf(
                        "lease renewal for store %s of run %s ignored: no such lease",
                        command.store(), command.runId());
            }
            return;
        }
        String target = command.parameter(StepCommand.Parameters.TARGET_STEP);
        StepContext context = target == null ? null : active.get(UUID.fromString(target));
        if (context != null) {
            LOG.infof("cancelling step %s of run %s", target, command.runId());
            context.cancel("the run ended before this step finished");
        } else if (target != null) {
            // Not running here (yet): a delivery of its command that comes later (a redelivery to a restarted agent,
            // or a record of another partition) is taken for a duplicate and never run.
            seen.add(UUID.fromString(target));
            LOG.infof("step %s of run %s was cancelled before it ran here; it will not run", target, command.runId());
        }
    }

    private static Duration leaseTtl(StepCommand command) {
        String seconds = command.parameter(StepCommand.Parameters.LEASE_SECONDS);
        try {
            return Duration.ofSeconds(seconds == null ? 60 : Math.max(1, Long.parseLong(seconds)));
        } catch (NumberFormatException e) {
            return Duration.ofSeconds(60);
        }
    }

    private StepResult execute(StepCommand command, StepContext context) throws StepFailure {
        return switch (command.action()) {
            case QUIESCE -> {
                Map<String, String> evidence = new java.util.HashMap<>();
                LeaseManager.Hold hold =
                        leases.quiesce(command.store(), command.runId(), command.stepId(), leaseTtl(command), evidence);
                evidence.put(EvidenceKeys.QUIESCED_AT, clock.instant().toString());
                evidence.put(EvidenceKeys.LEASE_UNTIL, hold.until().toString());
                if (hold.sharedWith() > 0) {
                    evidence.put(EvidenceKeys.SHARED_WITH, Integer.toString(hold.sharedWith()));
                }
                yield new StepResult(0, null, null, evidence);
            }
            case RESUME -> {
                LeaseManager.Resume resume = leases.release(command.store(), command.runId());
                Map<String, String> evidence = new java.util.HashMap<>(resume.evidence());
                evidence.put(EvidenceKeys.RESUMED_AT, clock.instant().toString());
                evidence.put(EvidenceKeys.LEASE_UNBROKEN, Boolean.toString(resume.leaseUnbroken()));
                if (resume.stillHeldBy() > 0) {
                    evidence.put(EvidenceKeys.STILL_QUIESCED_FOR, Integer.toString(resume.stillHeldBy()));
                }
                yield new StepResult(0, null, null, evidence);
            }
            case BACKUP -> {
                refuseIfWritten(command.artifact(), repository::exists);
                yield withKeyId(handler.execute(command, context));
            }
            default -> handler.execute(command, context);
        };
    }

    /**
     * The in-memory de-duplication ends with the process: a BACKUP re-delivered to a restarted agent whose artifact
     * is already in the repository was finished before, and is refused instead of re-run (run artifacts are written
     * once; the repository would refuse the write anyway, this says why before any work starts).
     */
    static void refuseIfWritten(String artifact, java.util.function.Predicate<String> exists) throws StepFailure {
        if (artifact != null && artifact.startsWith("runs/") && exists.test(artifact)) {
            throw new StepFailure("artifact " + artifact + " is already in the repository: this step finished before"
                    + " (a re-delivered command after a restart); run artifacts are written once, so it is not re-run");
        }
    }

    /** A capture's evidence names the key-encryption key its artifact was encrypted under (an id, never material). */
    private StepResult withKeyId(StepResult result) {
        if (result.artifact() == null || repository.encryptionKeyId().isEmpty()) {
            return result;
        }
        Map<String, String> evidence = new java.util.HashMap<>(result.evidence());
        evidence.put(
                EvidenceKeys.ENCRYPTION_KEY_ID, repository.encryptionKeyId().get());
        return new StepResult(result.bytes(), result.sha256(), result.artifact(), evidence);
    }

    private void run(StepCommand command, StepContext context, StepMeters.Step meter, ScheduledFuture<?> timeout) {
        Instant startedAt = clock.instant();
        LOG.infof(
                "step %s of run %s: %s on store %s%s",
                command.stepId(),
                command.runId(),
                command.action(),
                command.store(),
                command.database() == null ? "" : " database " + command.database());
        try {
            if (context.cancelled()) {
                throw new StepFailure(context.cancelReason());
            }
            StepResult result = execute(command, context);
            if (context.cancelled()) {
                throw new StepFailure(context.cancelReason());
            }
            events.succeeded(command.runId(), command.stepId(), result, startedAt);
            meter.succeeded(result.bytes());
            LOG.infof("step %s succeeded: %d bytes, sha256 %s", command.stepId(), result.bytes(), result.sha256());
        } catch (StepFailure e) {
            String reason = context.cancelled() ? context.cancelReason() + " (" + e.getMessage() + ")" : e.getMessage();
            meter.failed(context.cancelled() ? context.cancelKind() : StepMeters.Reason.FAILED);
            reportFailure(command, reason);
        } catch (RuntimeException | Error e) {
            LOG.errorf(e, "step %s crashed", command.stepId());
            meter.failed(StepMeters.Reason.CRASHED);
            reportFailure(command, "unexpected agent error: " + e);
        } finally {
            timeout.cancel(false);
            active.remove(command.stepId());
        }
    }

    private void reportFailure(StepCommand command, String reason) {
        String safe = Redactor.redact(reason, List.of());
        LOG.warnf("step %s of run %s failed: %s", command.stepId(), command.runId(), safe);
        try {
            events.failed(command.runId(), command.stepId(), safe);
        } catch (RuntimeException e) {
            LOG.errorf(
                    "could not report the failure of step %s: %s; the coordinator will time the step out",
                    command.stepId(), e.getMessage());
        }
    }
}
