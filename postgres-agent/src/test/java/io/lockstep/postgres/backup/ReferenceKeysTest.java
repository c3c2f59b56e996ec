package io.lockstep.postgres.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class ReferenceKeysTest {

    /** A result set of one text column over the given values. */
    private static ResultSet rows(List<String> values) {
        Iterator<String> it = values.iterator();
        String[] current = new String[1];
        return (ResultSet) Proxy.newProxyInstance(
                ResultSet.class.getClassLoader(),
                new Class<?>[] {ResultSet.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "next" -> {
                        boolean more = it.hasNext();
                        current[0] = more ? it.next() : null;
                        yield more;
                    }
                    case "getString" -> {
                        assertEquals(1, args[0], "only the first column is read");
                        yield current[0];
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void theQueryIsWrappedToYieldTextKeysWithoutNullsInByteOrder() {
        String sql = ReferenceKeys.sortedQuery("SELECT image_key FROM product_images");
        assertEquals(
                "SELECT q.k::text FROM (SELECT image_key FROM product_images\n) AS q(k) WHERE q.k IS NOT NULL "
                        + "ORDER BY q.k::text COLLATE \"C\"",
                sql);
    }

    @Test
    void eachKeyBecomesOneUtf8LineInTheOrderTheRowsCame() throws SQLException, IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long count = ReferenceKeys.writeLines(rows(List.of("a/1.jpg", "a/2.jpg", "b/é.png")), out);
        assertEquals(3, count);
        assertEquals("a/1.jpg\na/2.jpg\nb/é.png\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aKeyReferencedByManyRowsIsWrittenForEachRowButCountedOnce() throws SQLException, IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(1, ReferenceKeys.writeLines(rows(List.of("same", "same")), out));
        assertEquals("same\nsame\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void noRowsWriteNothing() throws SQLException, IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, ReferenceKeys.writeLines(rows(List.of()), out));
        assertEquals(0, out.size());
    }

    @Test
    void keysStreamedThroughGzipReadBackAsTheSameLines() throws SQLException, IOException {
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(stored)) {
            ReferenceKeys.writeLines(rows(List.of("k1", "k2")), gzip);
        }
        byte[] plain = new GZIPInputStream(new ByteArrayInputStream(stored.toByteArray())).readAllBytes();
        assertEquals("k1\nk2\n", new String(plain, StandardCharsets.UTF_8));
        assertTrue(stored.size() > 0);
    }
}
