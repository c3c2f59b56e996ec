package io.lockstep.coordinator.check;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a repository check counted and found, as it goes: its progress and, at the end, its summary. Problems are kept
 * whole per run (bounded) and in the summary up to {@link #MAX_LISTED}; the counts are always exact.
 */
public final class CheckFindings {

    /** Problems the summary lists by name (the count covers them all). */
    static final int MAX_LISTED = 1000;
    /** Unreachable blobs the summary names. */
    static final int MAX_UNREACHABLE_LISTED = 100;
    /** Problems kept per run for its damage record. */
    static final int MAX_PER_RUN = 20;

    /** Kinds of problem; {@link #content()} ones are found only by reading the data. */
    public enum Kind {
        ARTIFACT_MISSING,
        SIZE_MISMATCH,
        DAMAGED,
        UNREADABLE_KEY,
        MANIFEST_UNREADABLE,
        BLOB_MISSING,
        BLOB_DAMAGED;

        boolean content() {
            return this == DAMAGED || this == BLOB_DAMAGED;
        }
    }

    /**
     * One thing wrong: {@code key} the artifact or blob (repository-relative), {@code run} the run it harms (its id as
     * the repository names it, null if none), {@code detail} what was found, {@code keyId} the key-encryption key an
     * unreadable artifact needs.
     */
    public record Problem(Kind kind, String key, String run, String detail, String keyId) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", kind.name());
            m.put("key", key);
            if (run != null) {
                m.put("run", run);
            }
            m.put("detail", detail);
            if (keyId != null) {
                m.put("keyId", keyId);
            }
            return m;
        }
    }

    private String phase = "starting";
    private long runsTotal;
    private long runsChecked;
    private long artifacts;
    private long manifests;
    private long blobs;
    private long blobEntries;
    private long blobsRead;
    private long bytesRead;
    private long unreachable;
    private long problemCount;
    private final List<String> unreachableSample = new ArrayList<>();
    private final List<Problem> listed = new ArrayList<>();
    private final Map<String, List<Problem>> byRun = new TreeMap<>();
    private final Map<String, Integer> byKind = new TreeMap<>();
    private final TreeSet<String> unreadableKeyIds = new TreeSet<>();

    synchronized void phase(String name) {
        phase = name;
    }

    synchronized void runsTotal(long n) {
        runsTotal = n;
    }

    synchronized void runChecked() {
        runsChecked++;
    }

    synchronized void artifact() {
        artifacts++;
    }

    synchronized void manifest() {
        manifests++;
    }

    synchronized void blobListed() {
        blobs++;
    }

    synchronized void blobEntry() {
        blobEntries++;
    }

    synchronized void blobRead() {
        blobsRead++;
    }

    synchronized void bytesRead(long n) {
        bytesRead += n;
    }

    synchronized void unreachable(String blob) {
        unreachable++;
        if (unreachableSample.size() < MAX_UNREACHABLE_LISTED) {
            unreachableSample.add(blob);
        }
    }

    public synchronized void add(Problem problem) {
        problemCount++;
        byKind.merge(problem.kind().name(), 1, Integer::sum);
        if (problem.keyId() != null) {
            unreadableKeyIds.add(problem.keyId());
        }
        if (listed.size() < MAX_LISTED) {
            listed.add(problem);
        }
        if (problem.run() != null) {
            List<Problem> of = byRun.computeIfAbsent(problem.run(), r -> new ArrayList<>());
            if (of.size() < MAX_PER_RUN) {
                of.add(problem);
            }
        }
    }

    public synchronized long problems() {
        return problemCount;
    }

    /** The problems found per run (run id as the repository names it), at most {@link #MAX_PER_RUN} each. */
    public synchronized Map<String, List<Problem>> byRun() {
        Map<String, List<Problem>> copy = new TreeMap<>();
        byRun.forEach((run, problems) -> copy.put(run, List.copyOf(problems)));
        return copy;
    }

    /** Where the check is: its phase and counters. */
    public synchronized Map<String, Object> progress() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("phase", phase);
        m.put("runs", runsTotal);
        m.put("runsChecked", runsChecked);
        m.put("artifacts", artifacts);
        m.put("manifests", manifests);
        m.put("blobs", blobs);
        m.put("blobEntries", blobEntries);
        m.put("blobsRead", blobsRead);
        m.put("bytesRead", bytesRead);
        m.put("problems", problemCount);
        return m;
    }

    /** The final figures, the problems (listed up to a bound), the affected runs and the unreachable blobs. */
    public synchronized Map<String, Object> summary() {
        Map<String, Object> m = progress();
        m.remove("phase");
        m.put("problemsByKind", new TreeMap<>(byKind));
        m.put("problemList", listed.stream().map(Problem::toMap).toList());
        m.put("problemsListed", listed.size());
        m.put("affectedRuns", List.copyOf(byRun.keySet()));
        m.put("unreadableKeyIds", List.copyOf(unreadableKeyIds));
        m.put("unreachableBlobs", unreachable);
        m.put("unreachableSample", List.copyOf(unreachableSample));
        return m;
    }
}
