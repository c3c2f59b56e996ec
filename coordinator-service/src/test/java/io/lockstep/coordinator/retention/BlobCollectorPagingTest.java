package io.lockstep.coordinator.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.coordinator.repository.RepositoryClient;
import io.lockstep.coordinator.support.ManualSchedulingMessaging;
import io.lockstep.repository.BackupRepository;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Blob GC streams both listings page by page over the real repository (S3Proxy): with pages of 5 keys, 3 manifests
 * naming 12 blobs (overlapping) and 18 blobs no manifest names spread over many pages, exactly the 18 are deleted.
 */
@QuarkusTest
@QuarkusTestResource(ManualSchedulingMessaging.class)
class BlobCollectorPagingTest {

    @Inject
    RepositoryClient client;

    @Inject
    BlobCollector collector;

    @Test
    void aCollectionPagesThroughManifestsAndBlobsAndDeletesExactlyTheUnreachable() throws Exception {
        BackupRepository repository = client.get().orElseThrow();
        repository.ensureBucket();
        String store = "gc-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> reachable = new ArrayList<>();
        List<String> unreachable = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            reachable.add(blob(store, "kept-" + i));
        }
        for (int i = 0; i < 18; i++) {
            unreachable.add(blob(store, "garbage-" + i));
        }
        for (String b : reachable) {
            repository.put(b, b.getBytes(StandardCharsets.UTF_8));
        }
        for (String b : unreachable) {
            repository.put(b, b.getBytes(StandardCharsets.UTF_8));
        }
        String plan = "runs/gc-plan-" + store + "/";
        // three runs whose manifests overlap, each beside other artifacts, so manifests are spread over pages too
        manifest(repository, plan + UUID.randomUUID() + "/" + store + "/", reachable.subList(0, 6));
        manifest(repository, plan + UUID.randomUUID() + "/" + store + "/", reachable.subList(3, 10));
        manifest(repository, plan + UUID.randomUUID() + "/" + store + "/", reachable.subList(8, 12));

        BlobCollector.Result result = collector.collect(Instant.now(), 5);

        assertNull(result.stoppedBecause());
        assertTrue(result.blobs() >= 30, "every page of blobs was listed: " + result);
        assertTrue(result.reachable() >= 12, result.toString());
        assertTrue(result.deleted() >= 18, result.toString());
        for (String b : reachable) {
            assertTrue(repository.exists(b), b + " is named by a manifest");
        }
        for (String b : unreachable) {
            assertFalse(repository.exists(b), b + " is named by no manifest");
        }
        assertEquals(12, repository.list("blobs/" + store + "/").size());
    }

    @Test
    void aPackIsKeptWhileAManifestNamesItAndDeletedAfter() throws Exception {
        BackupRepository repository = client.get().orElseThrow();
        repository.ensureBucket();
        String store = "gcp-" + UUID.randomUUID().toString().substring(0, 8);
        String named = "packs/" + store + "/named";
        String unnamed = "packs/" + store + "/unnamed";
        repository.putStored(named, new byte[64]);
        repository.putStored(unnamed, new byte[64]);
        String run = "runs/gc-plan-" + store + "/" + UUID.randomUUID() + "/" + store + "/";
        ByteArrayOutputStream manifest = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(manifest)) {
            for (int i = 0; i < 2; i++) {
                gz.write(("{\"key\":\"k" + i + "\",\"size\":1,\"etag\":\"e\",\"blob\":\"" + blob(store, "k" + i)
                                + "\",\"pack\":\"" + named + "\",\"offset\":" + (32 * i) + ",\"length\":32}\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        repository.put(run + BlobCollector.MANIFEST, manifest.toByteArray());

        BlobCollector.Result kept = collector.collect(Instant.now(), 5);

        assertNull(kept.stoppedBecause());
        assertTrue(repository.exists(named), "named by a manifest: " + kept);
        assertFalse(repository.exists(unnamed), "named by none: " + kept);

        repository.delete(run + BlobCollector.MANIFEST); // the run expired
        collector.collect(Instant.now(), 5);
        assertFalse(repository.exists(named), "its last run is gone");
    }

    static void manifest(BackupRepository repository, String runStorePrefix, List<String> blobs) throws IOException {
        for (int i = 0; i < 4; i++) {
            repository.put(runStorePrefix + "other-" + i + ".dump", new byte[] {1});
        }
        ByteArrayOutputStream manifest = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(manifest)) {
            for (String b : blobs) {
                gz.write(("{\"key\":\"" + b + "\",\"size\":1,\"etag\":\"e\",\"blob\":\"" + b + "\"}\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        repository.put(runStorePrefix + BlobCollector.MANIFEST, manifest.toByteArray());
    }

    static String blob(String store, String name) throws Exception {
        return "blobs/" + store + "/" + ReachableBlobsTest.sha(name);
    }
}
