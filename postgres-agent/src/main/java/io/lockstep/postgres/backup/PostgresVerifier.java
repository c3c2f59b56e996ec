package io.lockstep.postgres.backup;

import io.lockstep.agent.core.command.StepContext;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.command.StepResult;
import io.lockstep.agent.core.process.ChildProcess;
import io.lockstep.postgres.client.PostgresTools;
import io.lockstep.protocol.EvidenceKeys;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.Compression;
import io.lockstep.repository.IntegrityException;
import io.lockstep.repository.RepositoryException;
import io.lockstep.repository.VerifiedInputStream;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Verifies a dump as it lies in the repository: re-reads every stored byte and checks its SHA-256, and feeds
 * the decrypted stream to {@code pg_restore --list}, which must parse the archive's table of contents.
 */
@ApplicationScoped
public class PostgresVerifier {

    private final BackupRepository repository;
    private final PostgresTools tools;

    @Inject
    public PostgresVerifier(BackupRepository repository, PostgresTools tools) {
        this.repository = repository;
        this.tools = tools;
    }

    public StepResult verify(String artifact, String expectedSha256, StepContext context) throws StepFailure {
        long bytes = 0;
        // Stored bytes -> SHA-256 check -> decryption -> zstd -> pg_restore: the stream fails with IntegrityException
        // on a
        // hash mismatch, a wrong key, an altered or truncated artifact, so a clean end means the artifact is whole.
        try (VerifiedInputStream in = repository.openVerified(artifact, expectedSha256);
                ChildProcess pgRestore =
                        ChildProcess.start(List.of(tools.pgRestore(), "--list"), Map.of(), List.of())) {
            context.onCancel(pgRestore::kill);
            CompletableFuture<Long> tocEntries = new CompletableFuture<>();
            Thread lister = new Thread(() -> tocEntries.complete(countEntries(pgRestore.stdout())), "pg-restore-list");
            lister.setDaemon(true);
            lister.start();
            OutputStream toRestore = pgRestore.stdin();
            // A zstd artifact is decompressed to its end, which checks the frame's own content checksum too.
            InputStream archive = Compression.decoding(in);
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = archive.read(buffer)) >= 0) {
                bytes += n;
                context.progress(bytes, 0);
                if (toRestore != null) {
                    try {
                        toRestore.write(buffer, 0, n);
                    } catch (IOException closedEarly) {
                        toRestore = null; // pg_restore --list read the whole TOC and exited: keep hashing
                    }
                }
            }
            closeQuietly(toRestore);
            in.transferTo(OutputStream.nullOutputStream()); // to the stored stream's end, where its hash is checked
            int exit = pgRestore.waitFor(5, TimeUnit.MINUTES);
            long entries = tocEntries.get(1, TimeUnit.MINUTES);
            if (exit != 0) {
                throw new StepFailure(
                        "pg_restore --list cannot parse " + artifact + ": " + pgRestore.failureReason(exit));
            }
            if (entries == 0) {
                throw new StepFailure("pg_restore --list found no entries in " + artifact);
            }
            // The stored bytes hashed to the recorded SHA-256 (checked at end of stream, or the read threw); the
            // result reports the SHA-256 computed from them, which the coordinator compares with the capture's.
            String actualSha256 = in.storedSha256();
            return new StepResult(
                    in.storedBytes(), actualSha256, artifact, Map.of(EvidenceKeys.TOC_ENTRIES, Long.toString(entries)));
        } catch (RepositoryException | IntegrityException e) {
            throw new StepFailure(e.getMessage());
        } catch (IOException e) {
            throw new StepFailure("verification of " + artifact + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailure("verification of " + artifact + " was interrupted");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new StepFailure("could not read pg_restore's listing of " + artifact + ": " + e.getMessage());
        }
    }

    private static long countEntries(InputStream listing) {
        long count = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(listing, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank() && !line.startsWith(";")) {
                    count++;
                }
            }
        } catch (IOException ignored) {
            // the count so far stands; the exit code decides
        }
        return count;
    }

    private static void closeQuietly(OutputStream out) {
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // pg_restore already exited
            }
        }
    }
}
