package io.lockstep.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lockstep.systemtests.support.Api;
import io.lockstep.systemtests.support.Lockstep;
import io.lockstep.systemtests.support.Repository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 17: a lost or damaged blob must not poison every later backup. Blobs of a store are deleted or damaged in
 * the repository behind Lockstep's back; the next backup copies the objects that need them again from the bucket
 * (and says how many it healed), is CONSISTENT, and restores byte for byte. The small objects' blobs lie in packs: a
 * lost pack is healed like lost blobs, each copied again under its own key, where the older run that named the pack
 * reads it too.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HealingIT {

    static final int SMALL = 58;
    static final int LARGE = 2; // above the agent's 8 MiB in-memory limit: streamed through tmp/ and copied

    static Lockstep lockstep;
    static Api api;
    static String plan;
    static String store;
    static String bucket;
    static Map<String, String> source;
    static String lastRun;

    @BeforeAll
    static void fillTheBucket() throws Exception {
        lockstep = Lockstep.get();
        api = lockstep.api;
        store = lockstep.healStore;
        bucket = lockstep.healBucket;
        Repository.createBucket(bucket);
        Random random = new Random(17);
        for (int i = 0; i < SMALL + LARGE; i++) {
            byte[] content = new byte[i < SMALL ? 1000 + random.nextInt(50_000) : 9 * 1024 * 1024 + i];
            random.nextBytes(content);
            Repository.put(bucket, String.format("images/%03d.bin", i), content);
        }
        source = Repository.objectHashes(bucket, "");
        assertEquals(SMALL + LARGE, source.size());
        api.awaitStoreLive(store);
        plan = "it" + lockstep.id + "-heal";
        api.putPlan(plan, "{\"stores\": [\"" + store + "\"]}");
    }

    @Test
    @Order(1)
    void aThirdOfTheBlobsDeletedIsHealedByTheNextBackup() throws Exception {
        JsonNode first = backUp();
        assertEquals("CONSISTENT", first.path("state").asText(), first::toPrettyString);
        List<JsonNode> manifest = Repository.manifest(manifestOf(first));
        assertEquals(SMALL + LARGE, manifest.size());

        // The small objects' blobs lie in packs, the large ones' under their own keys: lose every pack and one large
        // blob.
        Set<String> deleted = new HashSet<>(); // the blobs lost
        Set<String> packs = new HashSet<>();
        for (JsonNode entry : manifest) {
            if (entry.hasNonNull("pack")) {
                packs.add(entry.path("pack").asText());
                deleted.add(entry.path("blob").asText());
            }
        }
        assertEquals(SMALL, deleted.size(), "every small object is packed");
        assertEquals(packs(), packs, "the manifest names the store's packs");
        String large = manifest.get(manifest.size() - 1).path("blob").asText();
        deleted.add(large);
        for (String key : packs) {
            Repository.delete(Lockstep.BUCKET, lockstep.objectPrefix() + key);
        }
        Repository.delete(Lockstep.BUCKET, lockstep.objectPrefix() + large);
        assertEquals(Set.of(), packs(), "the packs are gone from the repository");
        assertEquals(SMALL + LARGE - deleted.size(), blobs().size(), "and so is the large blob");

        JsonNode second = backUp();

        assertEquals("CONSISTENT", second.path("state").asText(), second::toPrettyString);
        JsonNode copy = step(second, "BACKUP").path("evidence");
        assertEquals(Integer.toString(deleted.size()), copy.path("healed").asText(), copy::toPrettyString);
        assertEquals(Integer.toString(deleted.size()), copy.path("copied").asText(), copy::toPrettyString);
        assertEquals(
                Integer.toString(SMALL + LARGE - deleted.size()),
                copy.path("unchanged").asText(),
                copy::toPrettyString);
        assertEquals(
                step(first, "BACKUP").path("artifact").asText(),
                copy.path("base").asText(),
                "the first run was the base");
        assertEquals(
                Integer.toString(deleted.size()),
                second.path("evidence")
                        .path("objectListings")
                        .get(0)
                        .path("healed")
                        .asText(),
                second::toPrettyString);
        assertEquals(SMALL + LARGE, blobs().size(), "every blob is back, each under its own key");

        // the first run still names the lost packs: it reads the healed copies
        String restored = bucket + "-healed";
        JsonNode restore = restore(first, restored);
        assertEquals("SUCCEEDED", restore.path("state").asText(), restore::toPrettyString);
        assertEquals(source, Repository.objectHashes(restored, ""), "the restore matches the bucket byte for byte");
        System.out.printf(
                "[healing] %d objects, %d blobs deleted, healed %s, copied %s, unchanged %s%n",
                source.size(),
                deleted.size(),
                copy.path("healed").asText(),
                copy.path("copied").asText(),
                copy.path("unchanged").asText());
    }

    @Test
    @Order(2)
    void aDamagedBlobFoundByADrillIsCopiedAgainByTheNextBackup() throws Exception {
        JsonNode base = api.get("/api/v1/runs/" + lastRun).body();
        List<JsonNode> manifest = Repository.manifest(manifestOf(base));
        JsonNode damagedEntry = manifest.get(7);
        String blob = lockstep.objectPrefix() + damagedEntry.path("blob").asText();
        byte[] stored = Repository.read(Lockstep.BUCKET, blob);
        stored[stored.length - 1] ^= 0x01; // a flipped bit in the stored bytes: ciphertext (its last tag) or plaintext
        Repository.put(Lockstep.BUCKET, blob, stored);

        Api.Reply drillReply = api.post("/api/v1/runs/" + lastRun + "/verify", "{\"drill\": true}");
        assertEquals(202, drillReply.status(), drillReply.raw());
        JsonNode drill = api.awaitEnd(drillReply.body().path("id").asText());
        assertEquals("FAILED", drill.path("state").asText(), drill::toPrettyString);
        assertTrue(
                drill.path("error").asText().contains("quarantine/"),
                drill.path("error").asText());
        String aside = lockstep.objectPrefix() + "quarantine/"
                + damagedEntry.path("blob").asText().substring("blobs/".length());
        assertEquals(
                List.of(aside),
                Repository.keys(lockstep.objectPrefix() + "quarantine/"),
                "the damaged blob was kept aside");
        assertFalse(blobs().contains(blob), "and taken out of blobs/");
        org.awaitility.Awaitility.await("the drill's scratch prefix dropped")
                .atMost(java.time.Duration.ofSeconds(60))
                .until(() -> Repository.keys(bucket, ".lockstep-drill/").isEmpty());

        JsonNode next = backUp();

        assertEquals("CONSISTENT", next.path("state").asText(), next::toPrettyString);
        JsonNode copy = step(next, "BACKUP").path("evidence");
        assertEquals("1", copy.path("healed").asText(), copy::toPrettyString);
        assertEquals(
                damagedEntry.path("key").asText(), copy.path("healedSample").asText());
        Path plain = Files.createTempFile("healed", ".bin");
        Repository.download(blob, plain);
        assertEquals(
                damagedEntry.path("sha256").asText(), sha256(Files.readAllBytes(plain)), "the blob is whole again");
        Files.delete(plain);

        String restored = bucket + "-after-damage";
        JsonNode restore = restore(next, restored);
        assertEquals("SUCCEEDED", restore.path("state").asText(), restore::toPrettyString);
        assertEquals(source, Repository.objectHashes(restored, ""), "the restore matches the bucket byte for byte");

        // blobs are shared: the run whose drill failed is whole again too
        Api.Reply again = api.post("/api/v1/runs/" + base.path("id").asText() + "/verify", "{\"drill\": true}");
        JsonNode secondDrill = api.awaitEnd(again.body().path("id").asText());
        assertEquals("SUCCEEDED", secondDrill.path("state").asText(), secondDrill::toPrettyString);
    }

    /**
     * Issue 11, "restores never make things worse": an in-place restore with {@code prune} whose one blob to copy back
     * is damaged fails, and deletes nothing: the keys the backup does not hold (one sorting before the damaged key,
     * one after) stay, and so does everything else in the bucket.
     */
    @Test
    @Order(3)
    void aPruneRestoreWithADamagedBlobDeletesNothing() throws Exception {
        JsonNode backup = api.get("/api/v1/runs/" + lastRun).body();
        assertEquals("CONSISTENT", backup.path("state").asText(), backup::toPrettyString);
        JsonNode damagedEntry = Repository.manifest(manifestOf(backup)).get(11);
        String blob = lockstep.objectPrefix() + damagedEntry.path("blob").asText();
        byte[] stored = Repository.read(Lockstep.BUCKET, blob);
        stored[stored.length - 1] ^= 0x01;
        Repository.put(Lockstep.BUCKET, blob, stored);
        Repository.delete(bucket, damagedEntry.path("key").asText()); // so the restore needs the damaged blob
        Repository.put(bucket, "images/0000-not-in-the-backup.bin", new byte[] {1});
        Repository.put(bucket, "images/zzz-not-in-the-backup.bin", new byte[] {2});
        Map<String, String> before = Repository.objectHashes(bucket, "");

        Api.Reply reply = api.post(
                "/api/v1/runs/" + backup.path("id").asText() + "/restore",
                "{\"stores\": [\"" + store + "\"], \"prune\": true}");
        assertEquals(202, reply.status(), reply.raw());
        JsonNode restore = api.awaitEnd(reply.body().path("id").asText());

        assertEquals("FAILED", restore.path("state").asText(), restore::toPrettyString);
        assertTrue(
                restore.path("error").asText().contains("quarantine/"),
                restore.path("error").asText());
        JsonNode step = step(restore, "RESTORE");
        assertEquals("FAILED", step.path("state").asText(), step::toPrettyString);
        assertEquals(before, Repository.objectHashes(bucket, ""), "nothing was deleted, nothing else changed");
    }

    static JsonNode backUp() {
        String id = api.startBackup(plan);
        lastRun = id;
        return api.awaitEnd(id);
    }

    static JsonNode restore(JsonNode run, String targetBucket) {
        Repository.createBucket(targetBucket);
        Api.Reply reply = api.post(
                "/api/v1/runs/" + run.path("id").asText() + "/restore",
                "{\"targets\": {\"" + store + "\": {\"bucket\": \"" + targetBucket + "\"}}}");
        assertEquals(202, reply.status(), reply.raw());
        return api.awaitEnd(reply.body().path("id").asText());
    }

    static Set<String> packs() {
        Set<String> packs = new HashSet<>();
        for (String key : Repository.keys(lockstep.objectPrefix() + "packs/" + store + "/")) {
            packs.add(key.substring(lockstep.objectPrefix().length()));
        }
        return packs;
    }

    static Set<String> blobs() {
        return new HashSet<>(Repository.keys(lockstep.objectPrefix() + "blobs/" + store + "/"));
    }

    static String manifestOf(JsonNode run) {
        return lockstep.objectPrefix() + step(run, "BACKUP").path("artifact").asText();
    }

    static JsonNode step(JsonNode run, String action) {
        for (JsonNode s : run.path("steps")) {
            if (s.path("action").asText().equals(action)
                    && s.path("store").asText().equals(store)) {
                return s;
            }
        }
        throw new AssertionError("no " + action + " step of " + store + " in " + run.toPrettyString());
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
