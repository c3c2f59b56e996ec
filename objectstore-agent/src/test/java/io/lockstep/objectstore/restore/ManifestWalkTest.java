package io.lockstep.objectstore.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lockstep.objectstore.backup.ManifestEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;

class ManifestWalkTest {

    private final List<String> met = new ArrayList<>();

    private static ManifestEntry entry(String key) {
        return new ManifestEntry(key, 1, "e", "s", "blobs/m/s");
    }

    private static S3Object live(String key) {
        return S3Object.builder().key(key).size(1L).eTag("e").build();
    }

    private void walk(List<String> manifest, List<String> listing, java.util.function.UnaryOperator<String> map)
            throws java.io.IOException, ExecutionException, InterruptedException {
        ManifestWalk.walk(
                manifest.stream().map(ManifestWalkTest::entry).iterator(),
                listing.stream().map(ManifestWalkTest::live).iterator(),
                map,
                new ManifestWalk.Visitor() {
                    @Override
                    public void entry(ManifestEntry entry, String key, S3Object object) {
                        met.add((object == null ? "missing " : "present ") + entry.key() + " as " + key);
                    }

                    @Override
                    public void extra(S3Object object) {
                        met.add("extra " + object.key());
                    }
                });
    }

    @Test
    void eachManifestEntryIsMetWithTheTargetsObjectUnderItsKeyOrNone() throws Exception {
        walk(List.of("a", "b", "c"), List.of("a", "c"), k -> k);
        assertEquals(List.of("present a as a", "missing b as b", "present c as c"), met);
    }

    @Test
    void targetObjectsTheManifestLacksAreExtrasInKeyOrderWhereverTheyFall() throws Exception {
        walk(List.of("b", "d"), List.of("a", "b", "c", "d", "e"), k -> k);
        assertEquals(List.of("extra a", "present b as b", "extra c", "present d as d", "extra e"), met);
    }

    @Test
    void anEmptyTargetMakesEveryEntryMissingAndAnEmptyManifestEveryObjectExtra() throws Exception {
        walk(List.of("a"), List.of(), k -> k);
        walk(List.of(), List.of("x"), k -> k);
        assertEquals(List.of("missing a as a", "extra x"), met);
    }

    @Test
    void entriesAreLookedUpUnderTheirKeyInTheTargetPrefix() throws Exception {
        BucketRestore.Target target = new BucketRestore.Target("media", "copy", "shop/", "restored/");
        walk(List.of("shop/a", "shop/b"), List.of("restored/a", "shop/a"), target::map);
        assertEquals(List.of("present shop/a as restored/a", "missing shop/b as restored/b", "extra shop/a"), met);
    }

    @Test
    void keysAreWalkedInS3OrderSoANonAsciiKeyIsNotMistakenForAnExtra() throws Exception {
        // S3 lists "\uE000" before the emoji (UTF-8 EE.. < F0..); Java's String order says the opposite.
        walk(List.of("\uE000", "\uD83D\uDE00"), List.of("\uE000", "\uD83D\uDE00"), k -> k);
        assertEquals(List.of("present \uE000 as \uE000", "present \uD83D\uDE00 as \uD83D\uDE00"), met);
    }
}
