package io.lockstep.coordinator.check;

import io.lockstep.coordinator.check.CheckFindings.Kind;
import io.lockstep.coordinator.check.CheckFindings.Problem;
import io.lockstep.coordinator.retention.ManifestWalk;
import io.lockstep.coordinator.retention.ReachableBlobs;
import io.lockstep.repository.BackupRepository;
import io.lockstep.repository.IntegrityException;
import io.lockstep.repository.RepositoryException;
import io.lockstep.repository.UnreadableKeyException;
import io.lockstep.repository.VerifiedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One check of the backup repository (issue 16), like {@code restic check [--read-data]}, in four passes:
 * <ol>
 *   <li>the blobs are listed ({@code blobs/}, held compactly as a {@link ReachableBlobs} set), and the packs of small
 *       blobs ({@code packs/}, with their sizes);
 *   <li>each run's recorded artifacts must exist with the recorded size; with {@code readData} each (or a sample) is
 *       read whole through the recorded SHA-256 and the AEAD, otherwise its first byte is read, which unwraps its data
 *       key (an unknown key id is named);
 *   <li>every object manifest under {@code runs/} is read (the walk blob GC marks with, {@link ManifestWalk}): every
 *       blob it names must exist (a packed one: its pack, reaching past the blob's end); with {@code readData} each blob
 *       (or a sample) is read once (a packed one with a ranged read) and its plaintext hashed against the manifest's
 *       SHA-256;
 *   <li>the blobs and packs are listed again: those no manifest names are what blob GC would delete.
 * </ol>
 * Each problem names the artifact or blob and the run it harms; nothing is changed in the repository. A check of one
 * plan ({@link Options#plan()}, a scheduled check) is given that plan's runs, reads only their manifests and skips the
 * last pass.
 */
final class RepositoryCheck {

    private static final int READ_BUFFER = 256 * 1024;

    /**
     * An artifact a run recorded: {@code bytes} and {@code sha256} null when not recorded; a {@code marker} (a
     * search snapshot's file) is only checked to exist.
     */
    record Artifact(String key, Long bytes, String sha256, boolean marker) {}

    /** A backup run to check: {@code prefix} is {@code runs/<plan>/<run>/}. */
    record RunArtifacts(UUID run, String prefix, List<Artifact> artifacts) {}

    /**
     * {@code samplePercent} of the data is read when {@code readData}, chosen by a hash of its key and the seed; with a
     * {@code plan}, only that plan's manifests are read and unreachable blobs are not looked for (only a check of the
     * whole repository knows that no manifest names a blob).
     */
    record Options(boolean readData, int samplePercent, String seed, String plan) {
        Options(boolean readData, int samplePercent, String seed) {
            this(readData, samplePercent, seed, null);
        }

        boolean sampled(String key) {
            if (samplePercent >= 100) {
                return true;
            }
            long h = (seed + key).hashCode() * 0x9E3779B97F4A7C15L;
            return Math.floorMod(h >>> 17, 100L) < samplePercent;
        }
    }

    private final BackupRepository repository;
    private final Options options;
    private final CheckFindings findings;
    private final Runnable progress;
    private final int pageSize;

    RepositoryCheck(
            BackupRepository repository, Options options, CheckFindings findings, Runnable progress, int pageSize) {
        this.repository = repository;
        this.options = options;
        this.findings = findings;
        this.progress = progress;
        this.pageSize = pageSize;
    }

    void run(List<RunArtifacts> runs) {
        findings.runsTotal(runs.size());
        findings.phase("listing blobs");
        ReachableBlobs existing = new ReachableBlobs();
        for (Iterator<String> keys = repository.keys("blobs/", pageSize); keys.hasNext(); ) {
            existing.add(keys.next());
            findings.blobListed();
        }
        // a pack holds thousands of blobs: few keys. A pack kept aside as damaged still serves its intact records to
        // the runs that name it (openPacked reads them there when no healed copy exists), so it counts as holding them.
        Map<String, Long> packs = repository.packs("packs/");
        packs.keySet().forEach(pack -> findings.blobListed());
        progress.run();
        findings.phase("artifacts");
        for (RunArtifacts run : runs) {
            checkRun(run);
            findings.runChecked();
            progress.run();
        }
        findings.phase("manifests");
        ReachableBlobs reachable = new ReachableBlobs();
        walkManifests(existing, packs, reachable);
        if (options.plan() != null) {
            findings.phase("done");
            progress.run();
            return;
        }
        findings.phase("unreachable blobs");
        for (String pack : repository.list("packs/").keySet()) { // first: each holds many blobs
            if (!reachable.contains(pack)) {
                findings.unreachable(pack);
            }
        }
        for (Iterator<String> keys = repository.keys("blobs/", pageSize); keys.hasNext(); ) {
            String blob = keys.next();
            if (!reachable.contains(blob)) {
                findings.unreachable(blob);
            }
        }
        findings.phase("done");
        progress.run();
    }

    private void checkRun(RunArtifacts run) {
        Map<String, Long> sizes = repository.list(run.prefix());
        String runId = run.run().toString();
        for (Artifact a : run.artifacts()) {
            findings.artifact();
            if (a.marker()) {
                if (!repository.exists(a.key())) {
                    findings.add(new Problem(Kind.ARTIFACT_MISSING, a.key(), runId, "missing", null));
                }
                continue;
            }
            Long size = a.key().startsWith(run.prefix()) ? sizes.get(a.key()) : null;
            if (size == null && !repository.exists(a.key())) {
                findings.add(new Problem(Kind.ARTIFACT_MISSING, a.key(), runId, "missing", null));
                continue;
            }
            if (size != null && a.bytes() != null && !size.equals(a.bytes())) {
                findings.add(new Problem(
                        Kind.SIZE_MISMATCH,
                        a.key(),
                        runId,
                        "holds " + size + " bytes, " + a.bytes() + " were written",
                        null));
                continue;
            }
            read(a, runId);
        }
    }

    /** Reads an artifact whole through its SHA-256 and AEAD (read-data), or its first byte (which unwraps its key). */
    private void read(Artifact a, String runId) {
        boolean whole = options.readData() && a.sha256() != null && options.sampled(a.key());
        try {
            if (whole) {
                try (VerifiedInputStream in = repository.openVerified(a.key(), a.sha256())) {
                    drain(in);
                    in.storedSha256();
                }
            } else {
                try (InputStream in = repository.open(a.key())) {
                    in.read();
                }
            }
        } catch (IOException | RepositoryException e) {
            findings.add(problem(a.key(), runId, e, Kind.DAMAGED));
        }
    }

    private void walkManifests(ReachableBlobs existing, Map<String, Long> packs, ReachableBlobs reachable) {
        ReachableBlobs read = new ReachableBlobs();
        Map<String, Problem> bad = new HashMap<>(); // blob -> what it was found to be; few
        String prefix = options.plan() == null ? "runs/" : "runs/" + options.plan() + "/";
        ManifestWalk.walk(repository, prefix, pageSize, new ManifestWalk.Visitor() {
            @Override
            public void manifest(String manifestKey) {
                findings.manifest();
                progress.run();
            }

            @Override
            public void entry(String manifestKey, ManifestWalk.Entry entry) {
                findings.blobEntry();
                String blob = entry.blob();
                String run = ManifestWalk.runOf(manifestKey);
                reachable.add(blob); // a packed blob too: a healed copy under its own key stands for its pack
                boolean inPack = entry.packed() && entry.heldBy(packs.get(entry.pack()));
                if (inPack) {
                    reachable.add(entry.pack());
                }
                String copy = inPack ? packedCopy(entry) : blob;
                Problem known = bad.get(copy);
                if (known == null && !inPack && !existing.contains(blob) && !repository.exists(blob)) {
                    String why = !entry.packed()
                            ? "missing"
                            : packs.containsKey(entry.pack())
                                    ? "its pack " + entry.pack() + " ends before it (" + packs.get(entry.pack())
                                            + " bytes), and no healed copy exists"
                                    : "its pack " + entry.pack() + " is missing, and no healed copy exists";
                    known = new Problem(Kind.BLOB_MISSING, blob, null, why + "; named by " + manifestKey, null);
                    bad.put(copy, known);
                }
                if (known == null && options.readData() && options.sampled(blob) && !read.contains(copy)) {
                    read.add(copy);
                    known = readBlob(entry, inPack, manifestKey);
                    if (known != null) {
                        bad.put(copy, known);
                    }
                }
                if (known != null) {
                    findings.add(new Problem(known.kind(), blob, run, known.detail(), known.keyId()));
                }
            }

            @Override
            public boolean unreadable(String manifestKey, Exception cause) {
                findings.add(problem(manifestKey, ManifestWalk.runOf(manifestKey), cause, Kind.MANIFEST_UNREADABLE));
                return true;
            }
        });
    }

    /**
     * One blob may lie loose and in several packs (at most once in each): each copy is found out once. A packed copy is
     * held compactly, as a blob name whose first 64 bits are the blob's mixed with its pack's, all in one set.
     */
    static String packedCopy(ManifestWalk.Entry entry) {
        String name = entry.blob().substring(entry.blob().lastIndexOf('/') + 1);
        if (name.length() < 16 || !name.substring(0, 16).chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return entry.pack() + "/" + name; // never written by the agents: kept as a string
        }
        long pack = entry.pack().hashCode() * 0x9E3779B97F4A7C15L;
        pack ^= pack >>> 29;
        return "blobs/:packed/" + String.format("%016x", Long.parseUnsignedLong(name.substring(0, 16), 16) ^ pack);
    }

    /**
     * Reads a blob whole (AEAD; a packed one with a ranged read of its pack) and hashes its plaintext against the
     * manifest's SHA-256: null when it is whole.
     */
    private Problem readBlob(ManifestWalk.Entry entry, boolean inPack, String manifestKey) {
        findings.blobRead();
        String blob = entry.blob();
        String sha256 = entry.sha256();
        try (InputStream in = inPack
                ? repository.openPacked(entry.pack(), entry.offset(), entry.length(), blob)
                : repository.open(blob)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[READ_BUFFER];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
                findings.bytesRead(n);
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equalsIgnoreCase(sha256)) {
                return new Problem(
                        Kind.BLOB_DAMAGED,
                        blob,
                        null,
                        "its content hashes to " + actual + ", " + manifestKey + " recorded " + sha256,
                        null);
            }
            return null;
        } catch (IOException | RepositoryException e) {
            return problem(blob, null, e, Kind.BLOB_DAMAGED);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void drain(InputStream in) throws IOException {
        byte[] buffer = new byte[READ_BUFFER];
        int n;
        long sinceReport = 0;
        while ((n = in.read(buffer)) > 0) {
            findings.bytesRead(n);
            sinceReport += n;
            if (sinceReport > 8L * 1024 * 1024) {
                progress.run();
                sinceReport = 0;
            }
        }
    }

    /** The problem a failed read stands for: an unknown key is named; the rest is {@code kind}. */
    static Problem problem(String key, String run, Exception e, Kind kind) {
        if (e instanceof UnreadableKeyException unreadable) {
            return new Problem(Kind.UNREADABLE_KEY, key, run, e.getMessage(), unreadable.kekId());
        }
        String detail = e instanceof IntegrityException ? e.getMessage() : "cannot be read: " + e.getMessage();
        return new Problem(kind, key, run, detail, null);
    }
}
