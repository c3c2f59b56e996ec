package io.lockstep.coordinator.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.check.CheckFindings.Kind;
import io.lockstep.coordinator.check.CheckFindings.Problem;
import io.lockstep.coordinator.check.RepositoryCheck.Artifact;
import io.lockstep.coordinator.check.RepositoryCheck.RunArtifacts;
import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.coordinator.support.ManualSchedulingMessaging;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.UploadResult;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The check's passes over the real repository (S3Proxy), paging 5 keys a request: a flipped blob, a deleted blob, a
 * deleted dump, a dump of another size, a dump whose bytes changed, a blob no manifest names; each found, named and
 * put on its run, and a whole run found clean. Other tests share the repository, so only this test's keys count.
 */
@QuarkusTest
@QuarkusTestResource(ManualSchedulingMessaging.class)
class RepositoryCheckTest {

    @Inject
    RepositoryClient client;

    BackupRepository repository;
    String store;
    String plan;
    List<String> blobs;
    List<String> contents;

    @BeforeEach
    void fill() throws Exception {
        repository = client.get().orElseThrow();
        repository.ensureBucket();
        store = "check-" + UUID.randomUUID().toString().substring(0, 8);
        plan = "plan-" + store;
        contents = List.of("zero", "one", "two", "three", "four", "five");
        blobs = contents.stream().map(c -> "blobs/" + store + "/" + sha256(c)).toList();
        for (int i = 0; i < contents.size(); i++) {
            repository.put(blobs.get(i), contents.get(i).getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A backup run: a dump and a manifest naming {@code named} of the blobs. */
    RunArtifacts run(List<Integer> named) throws IOException {
        UUID id = UUID.randomUUID();
        String prefix = "runs/" + plan + "/" + id + "/";
        UploadResult dump =
                repository.put(prefix + store + "/db.dump", ("dump of " + id).getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            for (int i : named) {
                out.write(("{\"key\": \"o" + i + "\", \"size\": "
                                + contents.get(i).length() + ", \"sha256\": \"" + sha256(contents.get(i))
                                + "\", \"blob\": \"" + blobs.get(i) + "\"}\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        UploadResult manifest = repository.put(prefix + store + "/objects.jsonl.gz", gz.toByteArray());
        return new RunArtifacts(
                id,
                prefix,
                List.of(
                        new Artifact(dump.key(), dump.bytes(), dump.sha256(), false),
                        new Artifact(manifest.key(), manifest.bytes(), manifest.sha256(), false)));
    }

    CheckFindings check(List<RunArtifacts> runs, boolean readData) {
        CheckFindings findings = new CheckFindings();
        new RepositoryCheck(repository, new RepositoryCheck.Options(readData, 100, "seed"), findings, () -> {}, 5)
                .run(runs);
        return findings;
    }

    @Test
    void eachDamageIsFoundNamedAndPutOnItsRun() throws Exception {
        RunArtifacts whole = run(List.of(0, 1));
        RunArtifacts flippedBlob = run(List.of(1, 2));
        RunArtifacts lostBlob = run(List.of(3));
        RunArtifacts lostDump = run(List.of(0));
        RunArtifacts resized = run(List.of(0));
        RunArtifacts alteredDump = run(List.of(0));
        repository.delete(blobs.get(2));
        repository.put(blobs.get(2), "tvo".getBytes(StandardCharsets.UTF_8)); // same size, one byte flipped
        repository.delete(blobs.get(3));
        repository.delete(lostDump.artifacts().get(0).key());
        Artifact dump = resized.artifacts().get(0);
        RunArtifacts resizedAsRecorded = new RunArtifacts(
                resized.run(),
                resized.prefix(),
                List.of(new Artifact(dump.key(), dump.bytes() + 1, dump.sha256(), false)));
        Artifact altered = alteredDump.artifacts().get(0);
        byte[] bytes = ("dump of " + alteredDump.run()).getBytes(StandardCharsets.UTF_8);
        bytes[0] ^= 1;
        repository.delete(altered.key()); // run artifacts are written once
        repository.put(altered.key(), bytes);
        List<RunArtifacts> runs = List.of(whole, flippedBlob, lostBlob, lostDump, resizedAsRecorded, alteredDump);

        CheckFindings quick = check(runs, false);
        CheckFindings full = check(runs, true);

        Map<String, List<Problem>> found = full.byRun();
        assertFalse(found.containsKey(whole.run().toString()), "the whole run is clean: " + found);
        assertEquals(Set.of(Kind.BLOB_DAMAGED + " " + blobs.get(2)), kinds(found, flippedBlob), found.toString());
        assertEquals(Set.of(Kind.BLOB_MISSING + " " + blobs.get(3)), kinds(found, lostBlob));
        assertEquals(Set.of(Kind.ARTIFACT_MISSING + " " + dump(lostDump)), kinds(found, lostDump));
        assertEquals(Set.of(Kind.SIZE_MISMATCH + " " + dump.key()), kinds(found, resizedAsRecorded));
        assertEquals(Set.of(Kind.DAMAGED + " " + altered.key()), kinds(found, alteredDump));
        assertTrue(
                full.byRun().get(alteredDump.run().toString()).get(0).detail().contains("SHA-256"), found.toString());

        Map<String, List<Problem>> existence = quick.byRun();
        assertFalse(existence.containsKey(flippedBlob.run().toString()), "a flipped byte needs the data read");
        assertFalse(existence.containsKey(alteredDump.run().toString()), "so does an altered dump");
        assertEquals(Set.of(Kind.BLOB_MISSING + " " + blobs.get(3)), kinds(existence, lostBlob));
        assertEquals(Set.of(Kind.ARTIFACT_MISSING + " " + dump(lostDump)), kinds(existence, lostDump));

        @SuppressWarnings("unchecked")
        List<String> unreachable = (List<String>) full.summary().get("unreachableSample");
        assertTrue(unreachable.containsAll(List.of(blobs.get(4), blobs.get(5))), unreachable.toString());
        assertFalse(unreachable.contains(blobs.get(0)), unreachable.toString());
        assertTrue((long) full.progress().get("bytesRead") > 0, full.progress().toString());
    }

    /** A run whose manifest names blobs 0-2 packed into {@code pack}: records one after another. */
    RunArtifacts packedRun(String pack, boolean flipSecond, boolean truncate) throws IOException {
        UUID id = UUID.randomUUID();
        String prefix = "runs/" + plan + "/" + id + "/";
        ByteArrayOutputStream packBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            for (int i = 0; i < 3; i++) {
                byte[] record = repository.encode(blobs.get(i), contents.get(i).getBytes(StandardCharsets.UTF_8));
                out.write(("{\"key\": \"o" + i + "\", \"size\": "
                                + contents.get(i).length() + ", \"sha256\": \""
                                + sha256(contents.get(i)) + "\", \"blob\": \"" + blobs.get(i) + "\", \"pack\": \""
                                + pack
                                + "\", \"offset\": " + packBytes.size() + ", \"length\": " + record.length + "}\n")
                        .getBytes(StandardCharsets.UTF_8));
                if (flipSecond && i == 1) {
                    record[record.length - 1] ^= 1;
                }
                packBytes.write(record);
            }
        }
        byte[] stored = packBytes.toByteArray();
        repository.putStored(pack, truncate ? java.util.Arrays.copyOf(stored, stored.length - 1) : stored);
        UploadResult manifest = repository.put(prefix + store + "/objects.jsonl.gz", gz.toByteArray());
        return new RunArtifacts(
                id, prefix, List.of(new Artifact(manifest.key(), manifest.bytes(), manifest.sha256(), false)));
    }

    @Test
    void packedBlobsAreCheckedInTheirPacks() throws Exception {
        String packs = "packs/" + store + "/";
        for (int i = 0; i < 3; i++) {
            repository.delete(blobs.get(i)); // blobs 0-2 lie only in packs
        }
        RunArtifacts whole = packedRun(packs + "whole", false, false);
        RunArtifacts flipped = packedRun(packs + "flipped", true, false);
        RunArtifacts truncated = packedRun(packs + "truncated", false, true);
        RunArtifacts lost = packedRun(packs + "lost", false, false);
        repository.delete(packs + "lost");
        RunArtifacts aside = packedRun(packs + "aside", false, false);
        repository.copyStored(packs + "aside", "quarantine/" + packs + "aside"); // as a restore quarantines a pack
        repository.delete(packs + "aside");
        repository.putStored(packs + "unnamed", new byte[] {1, 2, 3});
        List<RunArtifacts> runs = List.of(whole, flipped, truncated, lost, aside);

        CheckFindings quick = check(runs, false);
        CheckFindings full = check(runs, true);

        Map<String, List<Problem>> found = full.byRun();
        assertFalse(found.containsKey(whole.run().toString()), "the whole packed run is clean: " + found);
        assertFalse(
                found.containsKey(aside.run().toString()),
                "a quarantined pack's intact records are read where it was kept aside: " + found);
        assertEquals(Set.of(Kind.BLOB_DAMAGED + " " + blobs.get(1)), kinds(found, flipped), found.toString());
        assertEquals(Set.of(Kind.BLOB_MISSING + " " + blobs.get(2)), kinds(found, truncated), found.toString());
        assertEquals(
                Set.of(
                        Kind.BLOB_MISSING + " " + blobs.get(0),
                        Kind.BLOB_MISSING + " " + blobs.get(1),
                        Kind.BLOB_MISSING + " " + blobs.get(2)),
                kinds(found, lost));
        assertTrue(
                found.get(lost.run().toString()).get(0).detail().contains("its pack " + packs + "lost is missing"),
                found.toString());
        assertFalse(quick.byRun().containsKey(flipped.run().toString()), "a flipped byte needs the data read");
        assertEquals(Set.of(Kind.BLOB_MISSING + " " + blobs.get(2)), kinds(quick.byRun(), truncated));

        // A healed copy under the blob's own key (what a backup writes when it finds a pack missing) stands for it.
        repository.put(blobs.get(0), contents.get(0).getBytes(StandardCharsets.UTF_8));
        CheckFindings healed = check(runs, true);
        assertEquals(
                Set.of(Kind.BLOB_MISSING + " " + blobs.get(1), Kind.BLOB_MISSING + " " + blobs.get(2)),
                kinds(healed.byRun(), lost));
        assertTrue(
                healed.byRun().get(lost.run().toString()).get(0).detail().contains("no healed copy exists"),
                healed.byRun().toString());

        @SuppressWarnings("unchecked")
        List<String> unreachable = (List<String>) full.summary().get("unreachableSample");
        assertTrue(unreachable.contains(packs + "unnamed"), unreachable.toString());
        assertFalse(unreachable.contains(packs + "whole"), unreachable.toString());
    }

    static String dump(RunArtifacts run) {
        return run.artifacts().get(0).key();
    }

    static Set<String> kinds(Map<String, List<Problem>> found, RunArtifacts run) {
        return found.getOrDefault(run.run().toString(), List.of()).stream()
                .map(p -> p.kind() + " " + p.key())
                .collect(Collectors.toSet());
    }

    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
