package io.lockstep.objectstore.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.command.TestContexts;
import io.lockstep.objectstore.restore.BucketRestore;
import io.lockstep.repository.BackupRepository;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Small blobs in packs, end to end in one JVM over an in-memory S3: a copy writes them into several packs and none
 * under its own key, verification finds a lost pack, the next copy heals what it held under the blobs' own keys (and
 * so the older run too), a damaged record takes its pack into quarantine, and restores read every object back byte for
 * byte with ranged reads. With and without encryption.
 */
class PackedCopyTest {

    static final String STORE = HealingCopyTest.STORE;
    static final String SOURCE = HealingCopyTest.SOURCE;
    static final int OBJECTS = 60;
    /** Objects up to 8 KiB are packed, into packs of about 32 KiB; larger ones stay loose (and above 16 KiB stream). */
    static final int PACK_BELOW = 8 * 1024;

    static final int PACK_SIZE = 32 * 1024;

    /** The agent's parts over an in-memory S3, set up as {@link HealingCopyTest} does, with packs on. */
    HealingCopyTest harness;

    InMemoryS3 s3;
    BucketVerifier verifier;
    BucketRestore restore;
    BackupRepository repository;

    void setUp(boolean encrypted) throws Exception {
        harness = new HealingCopyTest();
        harness.setUp(encrypted, HealingCopyTest.config(2, PACK_BELOW, PACK_SIZE));
        s3 = harness.s3;
        repository = harness.repository;
        verifier = harness.verifier;
        restore = harness.restore;
        s3.bucket(SOURCE).clear();
        Random random = new Random(23);
        s3.bucket(SOURCE).put("images/empty.bin", new byte[0]); // a zero-byte record, without encryption
        for (int i = 0; i < OBJECTS; i++) {
            byte[] content = new byte[1 + random.nextInt(i % 4 == 0 ? 20_000 : PACK_BELOW)];
            random.nextBytes(content);
            s3.bucket(SOURCE).put(String.format("images/%03d.bin", i), content);
        }
    }

    @ParameterizedTest(name = "encrypted={0}")
    @ValueSource(booleans = {false, true})
    void packedBlobsAreVerifiedHealedQuarantinedAndRestored(boolean encrypted) throws Exception {
        setUp(encrypted);
        StepResult first = copy("r1", null);
        List<ManifestEntry> entries = entries(first);
        List<ManifestEntry> packed =
                entries.stream().filter(ManifestEntry::packed).toList();
        long small = s3.bucket(SOURCE).values().stream()
                .filter(b -> b.length <= PACK_BELOW)
                .count();
        assertEquals(small, packed.size(), "every small object is packed, no large one");
        assertEquals(Long.toString(small), first.evidence().get("packed"));
        Set<String> packs = packed.stream().map(ManifestEntry::pack).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Integer.toString(packs.size()), first.evidence().get("packs"));
        assertTrue(packs.size() >= 3, "full packs are put as they fill: " + packs);
        assertEquals(
                packs,
                new TreeSet<>(repository.list("packs/" + STORE + "/").keySet()),
                "the packs the manifest names, no other");
        for (ManifestEntry entry : packed) {
            assertTrue(entry.pack().startsWith("packs/" + STORE + "/"), entry.pack());
            assertTrue(entry.blob().startsWith("blobs/" + STORE + "/"), entry.blob());
            assertNull(s3.bucket("repo").get("lockstep/" + entry.blob()), "not also under its own key");
        }
        verifier.verify(
                first.artifact(), first.sha256(), List.of(), BucketVerifier.Capture.UNKNOWN, TestContexts.context());

        // A lost pack: every object whose blob it held is missing.
        String lost = packs.iterator().next();
        long inLost = packed.stream().filter(e -> e.pack().equals(lost)).count();
        repository.delete(lost);
        StepFailure missing = assertThrows(StepFailure.class, () -> verify(first));
        assertTrue(missing.getMessage().contains(inLost + " objects have no blob"), missing.getMessage());

        StepResult second = copy("r2", first.artifact());
        assertEquals(Long.toString(inLost), second.evidence().get("healed"), second.evidence()::toString);
        assertEquals(Long.toString(entries.size() - inLost), second.evidence().get("unchanged"));
        verify(second);
        for (ManifestEntry entry : packed) {
            if (entry.pack().equals(lost)) {
                assertNotNull(s3.bucket("repo").get("lockstep/" + entry.blob()), "healed under its own key");
            }
        }
        verify(first); // the older run that named the lost pack reads the healed copies
        restore.restore(
                restore.target(STORE, "older", null), first.artifact(), first.sha256(), false, TestContexts.context());
        s3.bucket(SOURCE)
                .forEach((key, bytes) ->
                        assertArrayEquals(bytes, s3.bucket("older").get(key), key));

        // A damaged record: the restore refuses the object and takes the whole pack aside.
        List<ManifestEntry> secondEntries = entries(second);
        ManifestEntry damaged = secondEntries.stream()
                .filter(ManifestEntry::packed)
                .filter(e -> !e.pack().equals(lost))
                .findFirst()
                .orElseThrow();
        byte[] pack = s3.bucket("repo").get("lockstep/" + damaged.pack());
        pack[(int) (damaged.offset() + damaged.length() - 1)] ^= 0x01;
        verify(second); // the pack exists: verification does not read it
        StepFailure found = assertThrows(
                StepFailure.class,
                () -> restore.restore(
                        restore.target(STORE, "target", null),
                        second.artifact(),
                        second.sha256(),
                        false,
                        TestContexts.context()));
        String aside = "quarantine/" + damaged.pack();
        assertTrue(found.getMessage().contains(aside), found.getMessage());
        assertNull(s3.bucket("repo").get("lockstep/" + damaged.pack()), "taken out of packs/");
        assertArrayEquals(pack, s3.bucket("repo").get("lockstep/" + aside), "kept aside as it was");

        // An intact neighbour of the damaged record whose object is deleted from the source before the next copy:
        // nothing can heal it, and the older run still reads it from the pack kept aside.
        ManifestEntry gone = secondEntries.stream()
                .filter(e -> damaged.pack().equals(e.pack()) && !e.key().equals(damaged.key()))
                .findFirst()
                .orElseThrow();
        byte[] goneContent = s3.bucket(SOURCE).remove(gone.key());
        StepResult third = copy("r3", second.artifact());
        long inDamaged = secondEntries.stream()
                .filter(e -> damaged.pack().equals(e.pack()))
                .count();
        assertEquals(Long.toString(inDamaged - 1), third.evidence().get("healed"), third.evidence()::toString);
        verify(third);
        restore.restore(
                restore.target(STORE, "restored", null),
                third.artifact(),
                third.sha256(),
                false,
                TestContexts.context());
        assertEquals(s3.bucket(SOURCE).size(), s3.bucket("restored").size());
        s3.bucket(SOURCE)
                .forEach((key, bytes) ->
                        assertArrayEquals(bytes, s3.bucket("restored").get(key), key));
        restore.restore( // the run that named the quarantined pack is whole again too
                restore.target(STORE, "second", null),
                second.artifact(),
                second.sha256(),
                false,
                TestContexts.context());
        s3.bucket(SOURCE)
                .forEach((key, bytes) ->
                        assertArrayEquals(bytes, s3.bucket("second").get(key), key));
        assertArrayEquals(goneContent, s3.bucket("second").get(gone.key()), "read from the pack kept aside");
        verify(second);
    }

    @Test
    void aPackCutShortHealsTheRecordsPastItsEnd() throws Exception {
        setUp(false);
        StepResult first = copy("r1", null);
        List<ManifestEntry> packed =
                entries(first).stream().filter(ManifestEntry::packed).toList();
        ManifestEntry last = packed.stream()
                .max(java.util.Comparator.comparingLong(ManifestEntry::offset))
                .orElseThrow();
        byte[] pack = s3.bucket("repo").get("lockstep/" + last.pack());
        long cut = last.offset() + last.length() - 1; // the pack's last record loses its last byte
        s3.bucket("repo").put("lockstep/" + last.pack(), java.util.Arrays.copyOf(pack, (int) cut));
        long pastTheEnd = packed.stream()
                .filter(e -> e.pack().equals(last.pack()) && e.offset() + e.length() > cut)
                .count();

        StepResult second = copy("r2", first.artifact());

        assertTrue(pastTheEnd >= 1);
        assertEquals(Long.toString(pastTheEnd), second.evidence().get("healed"), second.evidence()::toString);
        verify(second);
    }

    @Test
    void oneContentUnderTwoKeysIsStoredOnceInAPack() throws Exception {
        harness = new HealingCopyTest();
        harness.setUp(false, HealingCopyTest.config(2, PACK_BELOW, 1024 * 1024)); // one pack holds them all
        harness.s3.bucket(SOURCE).clear();
        byte[] content = new byte[3000];
        new Random(5).nextBytes(content);
        harness.s3.bucket(SOURCE).put("a/one.bin", content);
        harness.s3.bucket(SOURCE).put("b/other.bin", new byte[] {1, 2, 3});
        harness.s3.bucket(SOURCE).put("c/twin.bin", content.clone());
        StepResult result = harness.copy("r1", null);
        List<ManifestEntry> entries = entries(result);
        ManifestEntry one = entry(entries, "a/one.bin");
        ManifestEntry twin = entry(entries, "c/twin.bin");
        assertEquals(
                List.of(one.pack(), one.offset(), one.length()),
                List.of(twin.pack(), twin.offset(), twin.length()),
                "one content, stored once");
        assertEquals(
                one.length() + 3,
                harness.repository.list("packs/" + STORE + "/").get(one.pack()),
                "the pack holds two records");
    }

    @Test
    void aPackThatCannotBeWrittenFailsTheStepAndNoManifestCompletes() throws Exception {
        setUp(false);
        s3.failPuts = key -> key.contains("/packs/");
        StepFailure failed = assertThrows(StepFailure.class, () -> copy("r1", null));
        // whichever noticed first: a copy appending to a pack, or the last pack's put
        assertTrue(
                failed.getMessage().matches(".*writing (a pack|the packs of store media) failed.*"),
                failed.getMessage());
        assertTrue(failed.getMessage().contains("connection refused (test)"), failed.getMessage());
        assertNull(
                s3.bucket("repo").get("lockstep/runs/p/r1/" + STORE + "/objects.jsonl.gz"),
                "no manifest names packs that were not written");
    }

    @Test
    void manifestsWithoutPacksReadAsBefore() throws Exception {
        String loose = "{\"key\":\"a\",\"size\":1,\"etag\":\"e\",\"sha256\":\"s\",\"blob\":\"blobs/m/n\"}";
        ManifestEntry entry = Manifests.JSON.readValue(loose, ManifestEntry.class);
        assertEquals(new ManifestEntry("a", 1, "e", "s", "blobs/m/n"), entry);
        assertEquals("blobs/m/n", entry.stored());
        assertEquals(loose, Manifests.JSON.writeValueAsString(entry), "a loose entry is written as before");
        ManifestEntry packed = new ManifestEntry("a", 1, "e", "s", "blobs/m/n", "packs/m/p", 10L, 20L);
        ManifestEntry read = Manifests.JSON.readValue(Manifests.JSON.writeValueAsString(packed), ManifestEntry.class);
        assertEquals(packed, read);
        assertEquals("packs/m/p", read.stored());
        assertNotNull(read.offset());
    }

    private void verify(StepResult result) throws StepFailure {
        verifier.verify(
                result.artifact(), result.sha256(), List.of(), BucketVerifier.Capture.UNKNOWN, TestContexts.context());
    }

    StepResult copy(String run, String base) throws StepFailure {
        return harness.copy(run, base);
    }

    static ManifestEntry entry(List<ManifestEntry> entries, String key) {
        return entries.stream().filter(e -> e.key().equals(key)).findFirst().orElseThrow();
    }

    List<ManifestEntry> entries(StepResult result) throws IOException {
        return harness.entries(result);
    }
}
