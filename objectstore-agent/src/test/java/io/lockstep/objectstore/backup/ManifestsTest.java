package io.lockstep.objectstore.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class ManifestsTest {

    static ByteArrayInputStream gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return new ByteArrayInputStream(out.toByteArray());
    }

    static <T> List<T> all(Iterator<T> it) {
        List<T> list = new ArrayList<>();
        it.forEachRemaining(list::add);
        return list;
    }

    @Test
    void keysAreOrderedByTheirUtf8BytesAsS3ListsThem() {
        List<String> keys = new ArrayList<>(List.of("b", "a/z", "a-z", "é", "Z", "a"));
        keys.sort(Manifests.KEY_ORDER);
        // '-' (0x2d) < '/' (0x2f); upper case before lower case; any non-ASCII character after ASCII.
        assertEquals(List.of("Z", "a", "a-z", "a/z", "b", "é"), keys);
    }

    @Test
    void keyOrderDiffersFromJavasStringOrderAboveTheBasicPlane() {
        String supplementary = "\uD83D\uDE00"; // U+1F600, UTF-8 F0..., UTF-16 D83D...
        String privateUse = "\uE000"; // U+E000, UTF-8 EE...
        assertTrue(supplementary.compareTo(privateUse) < 0, "Java compares UTF-16 units");
        assertTrue(Manifests.KEY_ORDER.compare(supplementary, privateUse) > 0, "S3 compares UTF-8 bytes");
    }

    @Test
    void aManifestIsReadEntryByEntrySkippingEmptyLines() throws IOException {
        String text = "{\"key\":\"a.jpg\",\"size\":3,\"etag\":\"e1\",\"sha256\":\"s1\",\"blob\":\"blobs/m/s1\"}\n\n"
                + "{\"key\":\"b.jpg\",\"size\":0,\"etag\":null,\"sha256\":\"s2\",\"blob\":\"blobs/m/s2\"}\n";
        List<ManifestEntry> entries = all(Manifests.entries(gzip(text)));
        assertEquals(
                List.of(
                        new ManifestEntry("a.jpg", 3, "e1", "s1", "blobs/m/s1"),
                        new ManifestEntry("b.jpg", 0, null, "s2", "blobs/m/s2")),
                entries);
    }

    @Test
    void anEmptyManifestHasNoEntriesAndRefusesANext() throws IOException {
        Iterator<ManifestEntry> entries = Manifests.entries(gzip(""));
        assertFalse(entries.hasNext());
        assertThrows(NoSuchElementException.class, entries::next);
    }

    @Test
    void anUnreadableManifestLineFailsTheReadNamingTheProblem() throws IOException {
        Iterator<ManifestEntry> entries = Manifests.entries(gzip("not json\n"));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, entries::next);
        assertTrue(e.getMessage().startsWith("unreadable manifest line"), e.getMessage());
    }

    @Test
    void aKeyListIsReadLineByLine() throws IOException {
        assertEquals(List.of("a", "b b", "c"), all(Manifests.lines(gzip("a\nb b\n\nc"))));
    }
}
