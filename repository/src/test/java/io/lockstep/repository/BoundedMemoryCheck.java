package io.lockstep.repository;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a child JVM with a heap smaller than the artifact: uploads an encrypted multipart artifact and reads it
 * back through the verified, decrypting read. Any buffering of the whole artifact fails with OutOfMemoryError.
 */
public final class BoundedMemoryCheck {

    public static void main(String[] args) throws Exception {
        Encryption encryption = Encryption.fromKeyset(Files.readString(Path.of(args[0])), true);
        long size = Long.parseLong(args[3]);
        try (BackupRepository repository = new BackupRepository(
                LocalS3Proxy.client(16, java.time.Duration.ofSeconds(10)),
                args[1],
                args[2],
                5 * 1024 * 1024,
                3,
                encryption)) {
            UploadResult result = repository.upload(
                    "memory/large.bin", BackupRepositoryIT.source(size, Long.MAX_VALUE), UploadHooks.NONE);
            String plaintextSha;
            try (InputStream in = repository.openVerified("memory/large.bin", result.sha256())) {
                plaintextSha = BackupRepositoryIT.sha(in);
            }
            repository.delete("memory/large.bin");
            System.out.println("round trip ok " + plaintextSha + " in " + result.parts() + " parts, max heap "
                    + Runtime.getRuntime().maxMemory());
        }
    }
}
