package io.lockstep.repository;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.streamingaead.PredefinedStreamingAeadParameters;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;

/** Brings the JDK's AES-GCM to full speed before the first artifact needs it (started by {@link Encryption}). */
final class CipherWarmUp {

    private CipherWarmUp() {}

    private static final java.util.concurrent.atomic.AtomicBoolean WARMED =
            new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * The JDK's AES-GCM is fast only once the JIT has compiled its callers with the AES and GHASH intrinsics; with
     * 1 MiB segments they are called so rarely that the first gigabyte or so runs at a tenth of the speed (measured
     * here: about 17 MiB/s instead of 300). Once per JVM, a background thread encrypts and decrypts 16 MiB in 4 KiB
     * segments under a throwaway key, which takes a couple of seconds and brings them to full speed.
     */
    static void start() {
        if (!WARMED.compareAndSet(false, true)) {
            return;
        }
        Thread thread = new Thread(
                () -> {
                    try {
                        StreamingAead aead = KeysetHandle.generateNew(
                                        PredefinedStreamingAeadParameters.AES256_GCM_HKDF_4KB)
                                .getPrimitive(RegistryConfiguration.get(), StreamingAead.class);
                        byte[] chunk = new byte[4096];
                        java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream(1 << 20);
                        for (int i = 0; i < 16; i++) {
                            sink.reset();
                            try (java.io.OutputStream out = aead.newEncryptingStream(sink, chunk)) {
                                for (int j = 0; j < 256; j++) {
                                    out.write(chunk);
                                }
                            }
                            try (InputStream in = aead.newDecryptingStream(
                                    new java.io.ByteArrayInputStream(sink.toByteArray()), chunk)) {
                                in.transferTo(java.io.OutputStream.nullOutputStream());
                            }
                        }
                    } catch (GeneralSecurityException | IOException | RuntimeException e) {
                        // only a warm-up: encryption works without it, just slower at first
                    }
                },
                "repository-encryption-warm-up");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }
}
