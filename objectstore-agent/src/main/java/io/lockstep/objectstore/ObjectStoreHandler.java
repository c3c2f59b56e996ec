package io.lockstep.objectstore;

import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.command.StoreHandler;
import io.lockstep.objectstore.backup.BucketBackup;
import io.lockstep.objectstore.backup.BucketVerifier;
import io.lockstep.objectstore.config.ObjectStoreAgentConfig;
import io.lockstep.objectstore.restore.BucketCheck;
import io.lockstep.objectstore.restore.BucketRestore;
import io.lockstep.protocol.ArtifactLayout;
import io.lockstep.protocol.Heartbeat;
import io.lockstep.protocol.StepAction;
import io.lockstep.protocol.StepCommand;
import io.lockstep.protocol.StoreKind;
import io.lockstep.protocol.UrlRedactor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The object-store agent's store logic: routes each step to {@code backup/} (incremental bucket backups, manifest
 * verification) or {@code restore/} (restores, dry runs and drills).
 */
@ApplicationScoped
public class ObjectStoreHandler implements StoreHandler {

    private final ObjectStoreAgentConfig config;
    private final BucketBackup backup;
    private final BucketVerifier verifier;
    private final BucketRestore restore;
    private final BucketCheck check;

    @Inject
    public ObjectStoreHandler(
            ObjectStoreAgentConfig config,
            BucketBackup backup,
            BucketVerifier verifier,
            BucketRestore restore,
            BucketCheck check) {
        this.config = config;
        this.backup = backup;
        this.verifier = verifier;
        this.restore = restore;
        this.check = check;
    }

    @Override
    public StoreKind kind() {
        return StoreKind.OBJECTSTORE;
    }

    @Override
    public List<Heartbeat.Store> stores() {
        return StoreHandler.announce(config.stores(), StoreKind.OBJECTSTORE, s -> List.of(), s -> {
            Map<String, String> attributes = new HashMap<>();
            attributes.put("bucket", s.bucket());
            s.prefix().ifPresent(p -> attributes.put("prefix", p));
            s.endpoint().ifPresent(u -> attributes.put("endpoint", UrlRedactor.origin(u)));
            return attributes;
        });
    }

    @Override
    public StepResult execute(StepCommand command, StepContext context) throws StepFailure {
        if (!config.stores().containsKey(command.store())) {
            throw new StepFailure("this agent does not serve store " + command.store());
        }
        if (command.action() != StepAction.DROP
                && (command.artifact() == null || command.artifact().isBlank())) {
            throw new StepFailure("the command names no manifest artifact");
        }
        BucketRestore.Target target = restore.target(
                command.store(),
                command.parameter(StepCommand.Parameters.TARGET_BUCKET),
                command.parameter(StepCommand.Parameters.TARGET_PREFIX));
        boolean prune = Boolean.parseBoolean(command.parameter(StepCommand.Parameters.PRUNE));
        return switch (command.action()) {
            case BACKUP ->
                backup.backup(
                        command.store(),
                        command.artifact(),
                        command.parameter(StepCommand.Parameters.PREVIOUS_MANIFEST),
                        context);
            case VERIFY ->
                verifier.verify(
                        command.artifact(),
                        command.expectedSha256(),
                        referenceArtifacts(command),
                        capture(command),
                        context);
            case RESTORE -> restore.restore(target, command.artifact(), command.expectedSha256(), prune, context);
            case INSPECT -> restore.inspect(target, command.artifact(), command.expectedSha256(), prune, context);
            case CHECK ->
                check.check(
                        target,
                        command.artifact(),
                        command.expectedSha256(),
                        target.prefix().startsWith(ArtifactLayout.DRILL_PREFIX),
                        referenceArtifacts(command),
                        context);
            case DROP -> check.drop(target);
            default -> throw new StepFailure("object stores do not " + command.action());
        };
    }

    /** What the capture reported (object count, objects copied, its base); null where the command does not say. */
    private static BucketVerifier.Capture capture(StepCommand command) {
        return new BucketVerifier.Capture(
                count(command, StepCommand.Parameters.OBJECTS),
                count(command, StepCommand.Parameters.COPIED),
                command.parameter(StepCommand.Parameters.PREVIOUS_MANIFEST));
    }

    /** A count parameter, or null when the command does not say (or says nonsense). */
    private static Long count(StepCommand command, String name) {
        String value = command.parameter(name);
        try {
            return value == null ? null : Long.valueOf(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static List<String> referenceArtifacts(StepCommand command) {
        String refs = command.parameter(StepCommand.Parameters.REFERENCE_ARTIFACTS);
        return refs == null || refs.isBlank()
                ? List.of()
                : Arrays.stream(refs.split(","))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .toList();
    }
}
