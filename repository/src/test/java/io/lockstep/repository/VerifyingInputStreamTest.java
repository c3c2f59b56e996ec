package io.lockstep.repository;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class VerifyingInputStreamTest {

    private static final byte[] CONTENT = "lockstep artifact \u00ff".getBytes(StandardCharsets.UTF_8);

    private static String sha256(byte[] bytes) {
        MessageDigest digest = Hashing.sha256();
        digest.update(bytes);
        return Hashing.hex(digest);
    }

    @Test
    void readingByteByByteGivesTheContentAndEndsCleanlyWhenTheHashMatches() throws IOException {
        VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(CONTENT), "k", sha256(CONTENT));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            out.write(b);
        }
        assertArrayEquals(CONTENT, out.toByteArray(), "bytes above 0x7f come back unsigned");
        assertEquals(CONTENT.length, in.bytes());
    }

    @Test
    void aMismatchIsThrownAtTheEndInsteadOfACleanEndWhicheverReadIsUsed() throws IOException {
        String wrong = sha256("other".getBytes(StandardCharsets.UTF_8));
        VerifyingInputStream single =
                new VerifyingInputStream(new ByteArrayInputStream(CONTENT), "runs/p/r/a.dump", wrong);
        single.skip(CONTENT.length);
        IntegrityException e = assertThrows(IntegrityException.class, single::read);
        assertTrue(e.getMessage().contains("runs/p/r/a.dump"), e.getMessage());

        VerifyingInputStream bulk = new VerifyingInputStream(new ByteArrayInputStream(CONTENT), "k", wrong);
        assertThrows(IntegrityException.class, () -> bulk.transferTo(OutputStream.nullOutputStream()));
    }

    @Test
    void skippedBytesAreHashedToo() throws IOException {
        VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(CONTENT), "k", sha256(CONTENT));
        assertEquals(CONTENT.length, in.skip(1000));
        assertEquals(-1, in.read());
    }

    @Test
    void itDoesNotPretendToSupportMarkButReportsWhatItsSourceHasAvailable() throws IOException {
        VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(CONTENT), "k", sha256(CONTENT));
        assertFalse(in.markSupported());
        assertEquals(CONTENT.length, in.available());
    }

    @Test
    void aVerifiedStreamReportsTheSha256ItComputedFromTheStoredBytes() throws IOException {
        VerifyingInputStream stored = new VerifyingInputStream(
                new ByteArrayInputStream(CONTENT), "k", sha256(CONTENT).toUpperCase());
        VerifiedInputStream in = new VerifiedInputStream(stored, stored);
        in.transferTo(OutputStream.nullOutputStream());
        assertEquals(sha256(CONTENT), in.storedSha256(), "the computed hash, not the one it was asked to check");
    }

    /** A plaintext artifact is read through a SequenceInputStream, which closes the stored stream at its end. */
    @Test
    void theShaOfAStoredStreamAlreadyReadToItsEndAndClosedIsReported() throws IOException {
        java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        java.io.InputStream source = new java.io.FilterInputStream(new ByteArrayInputStream(CONTENT)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (closed.get()) {
                    throw new IOException("Attempted read on closed stream.");
                }
                return super.read(b, off, len);
            }

            @Override
            public void close() {
                closed.set(true);
            }
        };
        VerifyingInputStream stored = new VerifyingInputStream(source, "k", sha256(CONTENT));
        VerifiedInputStream in = new VerifiedInputStream(
                new java.io.SequenceInputStream(new ByteArrayInputStream(new byte[0]), stored), stored);
        in.transferTo(OutputStream.nullOutputStream());
        assertTrue(closed.get(), "the reader closed the stored stream at its end");
        assertEquals(sha256(CONTENT), in.storedSha256());
    }

    @Test
    void storedBytesTheReaderLeftUnreadAreStillHashedBeforeAShaIsReported() throws IOException {
        byte[] tampered = CONTENT.clone();
        tampered[tampered.length - 1] ^= 1;
        VerifyingInputStream stored =
                new VerifyingInputStream(new ByteArrayInputStream(tampered), "runs/p/r/a.dump", sha256(CONTENT));
        // a decoder that stops before the stored stream's end (its last bytes were never hashed)
        VerifiedInputStream in = new VerifiedInputStream(new ByteArrayInputStream(new byte[0]), stored);
        in.transferTo(OutputStream.nullOutputStream());
        IntegrityException e = assertThrows(IntegrityException.class, in::storedSha256);
        assertTrue(e.getMessage().contains("runs/p/r/a.dump"), e.getMessage());
    }
}
