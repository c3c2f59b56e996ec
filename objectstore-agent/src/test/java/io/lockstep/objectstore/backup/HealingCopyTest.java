package io.lockstep.objectstore.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.command.TestContexts;
import io.lockstep.objectstore.client.SourceBuckets;
import io.lockstep.objectstore.config.ObjectStoreAgentConfig;
import io.lockstep.objectstore.restore.BucketRestore;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.DamagedArtifactException;
import io.lockstep.repository.Encryption;
import io.lockstep.repository.IntegrityException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The healing flow end to end in one JVM, over an in-memory S3 (no services): back up, lose a third of the blobs,
 * back up again (healed), damage a blob, restore (quarantined), back up again (healed), restore byte for byte.
 * With and without encryption (keyed blob names).
 */
class HealingCopyTest {

    static final String STORE = "media";
    static final String SOURCE = "media-bucket";
    static final int OBJECTS = 30;

    InMemoryS3 s3;
    BucketBackup backup;
    BucketVerifier verifier;
    BucketRestore restore;
    BackupRepository repository;

    void setUp(boolean encrypted) throws Exception {
        setUp(encrypted, config());
    }

    /** The agent's parts over a new in-memory S3, and {@link #OBJECTS} objects of 100 B to 20 KB in {@link #SOURCE}. */
    void setUp(boolean encrypted, ObjectStoreAgentConfig config) throws Exception {
        s3 = InMemoryS3.create(7); // small pages: the listings are paginated
        S3Client client = s3.client();
        Encryption encryption =
                encrypted ? Encryption.fromKeyset(Encryption.generateKeyset(), true) : Encryption.none();
        repository = new BackupRepository(client, "repo", "lockstep/", 5 * 1024 * 1024, 2, encryption);
        SourceBuckets buckets = new SourceBuckets(config) {
            @Override
            public S3Client of(String store) {
                return client;
            }
        };
        backup = new BucketBackup(config, buckets, repository);
        verifier = new BucketVerifier(config, repository);
        Quarantine quarantine = new Quarantine(repository);
        restore = new BucketRestore(config, repository, buckets, quarantine);
        Random random = new Random(17);
        for (int i = 0; i < OBJECTS; i++) {
            byte[] content = new byte[100 + random.nextInt(20_000)];
            random.nextBytes(content);
            s3.bucket(SOURCE).put(String.format("images/%03d.bin", i), content);
        }
    }

    @ParameterizedTest(name = "encrypted={0}")
    @ValueSource(booleans = {false, true})
    void lostAndDamagedBlobsAreHealedByTheNextCopy(boolean encrypted) throws Exception {
        setUp(encrypted);
        StepResult first = copy("r1", null);
        assertEquals(Integer.toString(OBJECTS), first.evidence().get("copied"));
        assertEquals("0", first.evidence().get("healed"));
        List<ManifestEntry> entries = entries(first);
        if (encrypted) {
            assertFalse(entries.get(0).blob().endsWith(entries.get(0).sha256()), "keyed blob names");
        }

        List<String> lost = new ArrayList<>();
        for (int i = 0; i < entries.size(); i += 3) {
            lost.add(entries.get(i).blob());
            repository.delete(entries.get(i).blob());
        }
        StepFailure poisoned = assertThrows(
                StepFailure.class,
                () -> verifier.verify(
                        first.artifact(),
                        first.sha256(),
                        List.of(),
                        BucketVerifier.Capture.UNKNOWN,
                        TestContexts.context()));
        assertTrue(poisoned.getMessage().contains(lost.size() + " objects have no blob"), poisoned.getMessage());

        StepResult second = copy("r2", first.artifact());

        assertEquals(Integer.toString(lost.size()), second.evidence().get("healed"), second.evidence()::toString);
        assertEquals(Integer.toString(lost.size()), second.evidence().get("copied"));
        assertEquals(Integer.toString(OBJECTS - lost.size()), second.evidence().get("unchanged"));
        assertEquals(Integer.toString(OBJECTS - lost.size()), second.evidence().get("blobsListed"));
        assertEquals(first.artifact(), second.evidence().get("base"));
        verifier.verify(
                second.artifact(), second.sha256(), List.of(), BucketVerifier.Capture.UNKNOWN, TestContexts.context());
        verifier.verify(
                first.artifact(),
                first.sha256(),
                List.of(),
                BucketVerifier.Capture.UNKNOWN,
                TestContexts.context()); // the older run too

        ManifestEntry damaged = entries.get(4);
        byte[] stored = s3.bucket("repo").get("lockstep/" + damaged.blob());
        stored[stored.length - 1] ^= 0x01;
        verifier.verify(
                second.artifact(),
                second.sha256(),
                List.of(),
                BucketVerifier.Capture.UNKNOWN,
                TestContexts.context()); // exists: not seen
        StepFailure found = assertThrows(
                StepFailure.class,
                () -> restore.restore(
                        restore.target(STORE, "target", null),
                        second.artifact(),
                        second.sha256(),
                        false,
                        TestContexts.context()));
        String aside =
                "lockstep/quarantine/" + STORE + "/" + damaged.blob().substring(("blobs/" + STORE + "/").length());
        assertTrue(found.getMessage().contains(aside.substring("lockstep/".length())), found.getMessage());
        assertNull(s3.bucket("repo").get("lockstep/" + damaged.blob()), "taken out of blobs/");
        assertArrayEquals(stored, s3.bucket("repo").get(aside), "kept aside as it was");

        StepResult third = copy("r3", second.artifact());

        assertEquals("1", third.evidence().get("healed"), third.evidence()::toString);
        assertEquals(damaged.key(), third.evidence().get("healedSample"));
        restore.restore(
                restore.target(STORE, "restored", null),
                third.artifact(),
                third.sha256(),
                false,
                TestContexts.context());
        assertEquals(OBJECTS, s3.bucket("restored").size());
        s3.bucket(SOURCE)
                .forEach((key, bytes) ->
                        assertArrayEquals(bytes, s3.bucket("restored").get(key), key));
    }

    @Test
    void withoutABaseNothingIsListedAndEverythingIsCopied() throws Exception {
        setUp(false);
        StepResult first = copy("r1", null);
        assertNull(first.evidence().get("blobsListed"));
        assertNull(first.evidence().get("base"));
        StepResult second = copy("r2", first.artifact());
        assertEquals("0", second.evidence().get("healed"));
        assertEquals(Integer.toString(OBJECTS), second.evidence().get("unchanged"));
        assertEquals(Integer.toString(OBJECTS), second.evidence().get("blobsListed"));

        StepResult unreadableBase = copy("r3", "runs/p/gone/" + STORE + "/objects.jsonl.gz");
        assertEquals(Integer.toString(OBJECTS), unreadableBase.evidence().get("copied"), "a full copy");
        assertNull(unreadableBase.evidence().get("base"), unreadableBase.evidence()::toString);
    }

    @Test
    void onlyBytesThatAreWrongCountAsDamage() {
        assertNotNull(Quarantine.damage(SdkClientException.create(
                "upload failed", new DamagedArtifactException("artifact x failed authentication"))));
        assertNull(
                Quarantine.damage(new IntegrityException(
                        "artifact x needs key-encryption key tink-1, which the " + "configured keyset lacks")),
                "a missing key is not damage");
        assertNull(Quarantine.damage(new IOException("connection reset")));
        assertEquals("quarantine/media/abc", Quarantine.keyOf("blobs/media/abc"));
    }

    StepResult copy(String run, String base) throws StepFailure {
        return backup.backup(STORE, "runs/p/" + run + "/" + STORE + "/objects.jsonl.gz", base, TestContexts.context());
    }

    List<ManifestEntry> entries(StepResult result) throws IOException {
        List<ManifestEntry> entries = new ArrayList<>();
        try (InputStream in = repository.open(result.artifact())) {
            Iterator<ManifestEntry> it = Manifests.entries(in);
            it.forEachRemaining(entries::add);
        }
        return entries;
    }

    static ObjectStoreAgentConfig config() {
        return config(2);
    }

    static ObjectStoreAgentConfig config(int verifySamplePercent) {
        return config(verifySamplePercent, 0, 0);
    }

    /** With {@code packBelow} 0 every blob lies under its own key. */
    static ObjectStoreAgentConfig config(int verifySamplePercent, int packBelow, int packSize) {
        ObjectStoreAgentConfig.Store store = (ObjectStoreAgentConfig.Store) Proxy.newProxyInstance(
                ObjectStoreAgentConfig.class.getClassLoader(),
                new Class<?>[] {ObjectStoreAgentConfig.Store.class},
                (p, m, a) -> switch (m.getName()) {
                    case "bucket" -> SOURCE;
                    case "region" -> "us-east-1";
                    case "pathStyle" -> true;
                    case "endpoint" -> Optional.<URI>empty();
                    default -> Optional.empty();
                });
        return (ObjectStoreAgentConfig) Proxy.newProxyInstance(
                ObjectStoreAgentConfig.class.getClassLoader(),
                new Class<?>[] {ObjectStoreAgentConfig.class},
                (p, m, a) -> switch (m.getName()) {
                    case "stores" -> Map.of(STORE, store);
                    case "copyConcurrency" -> 4;
                    case "inMemoryLimit" -> 16 * 1024; // objects above it stream (through tmp/ when copied)
                    case "verifySamplePercent" -> verifySamplePercent;
                    case "packBelow" -> packBelow;
                    case "packSize" -> packSize;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }
}
