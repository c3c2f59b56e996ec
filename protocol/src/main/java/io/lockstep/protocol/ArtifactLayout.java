package io.lockstep.protocol;

import java.util.Locale;

/**
 * Where everything lies in the backup repository, and the names Lockstep gives what it creates in the stores. The
 * coordinator names the artifacts in its commands and the agents write them; both build the names here.
 *
 * <pre>
 * runs/&lt;plan&gt;/&lt;run&gt;/run.json                      the run's manifest (coordinator)
 * runs/&lt;plan&gt;/&lt;run&gt;/&lt;store&gt;/&lt;db&gt;.dump            pg_dump archive
 * runs/&lt;plan&gt;/&lt;run&gt;/&lt;store&gt;/&lt;db&gt;.refs.txt.gz     cross-store reference keys, sorted, gzipped
 * runs/&lt;plan&gt;/&lt;run&gt;/&lt;store&gt;/&lt;db&gt;.tables.tsv     table census under the dump's snapshot
 * runs/&lt;plan&gt;/&lt;run&gt;/&lt;store&gt;/objects.jsonl.gz     object manifest
 * runs/&lt;plan&gt;/&lt;run&gt;/&lt;store&gt;/cluster.base.tar.zst base backup (point-in-time recovery)
 * blobs/&lt;store&gt;/&lt;name&gt;                          content-addressed object blobs
 * packs/&lt;store&gt;/&lt;uuid&gt;                          small blobs' stored forms, concatenated (a manifest locates each)
 * search/&lt;store&gt;/...                            copy of the Elasticsearch fs snapshot repository
 * wal/&lt;store&gt;/&lt;file&gt;.zst, .sha256            archived WAL and its record ({@link WalNames})
 * tmp/&lt;store&gt;/&lt;uuid&gt;                            large objects on their way to a blob
 * keys/blob-names.tink                          the wrapped key of keyed blob names (encrypted repositories)
 * </pre>
 */
public final class ArtifactLayout {

    /** Every run's artifacts lie under {@code runs/}. */
    public static final String RUNS = "runs/";
    /** Content-addressed object blobs, shared by all runs of a store. */
    public static final String BLOBS = "blobs/";
    /** Packs of small object blobs, shared by all runs of a store like the blobs. */
    public static final String PACKS = "packs/";
    /** Damaged blobs and packs, kept aside as they were found (never swept). */
    public static final String QUARANTINE = "quarantine/";
    /** Copies of search stores' snapshot repositories. */
    public static final String SEARCH = "search/";
    /** Temporary keys of large objects being hashed. */
    public static final String TEMPORARY = "tmp/";
    /** The repository's own keys. */
    public static final String KEYS = "keys/";
    /** The blob-name key (a Tink HMAC keyset wrapped by the key-encryption key), relative to the repository prefix. */
    public static final String BLOB_NAME_KEY = KEYS + "blob-names.tink";

    /** The run's own manifest, written by the coordinator once the run ended. */
    public static final String RUN_MANIFEST = "run.json";
    /** An object store's manifest: one JSON line per object, gzipped. */
    public static final String OBJECT_MANIFEST = "objects.jsonl.gz";
    /** A database's pg_dump archive: {@code <db>.dump}. */
    public static final String DUMP_SUFFIX = ".dump";
    /** A database's cross-store reference keys: {@code <db>.refs.txt.gz}. */
    public static final String REFERENCE_KEYS_SUFFIX = ".refs.txt.gz";
    /** A database's table census: {@code <db>.tables.tsv}. */
    public static final String CENSUS_SUFFIX = ".tables.tsv";

    /** Search snapshots are named {@code lockstep-<runId>}. */
    public static final String SNAPSHOT_PREFIX = "lockstep-";

    /** Restore drills' scratch databases contain this: {@code <db>_lsdrill_<tag>}. */
    public static final String DRILL_DATABASE_MARKER = "_lsdrill_";
    /** Restore drills write objects under this prefix of the store's bucket: {@code .lockstep-drill/<tag>/}. */
    public static final String DRILL_PREFIX = ".lockstep-drill/";
    /** Restore drills rename indices to {@code lsdrill-<tag>-<index>}. */
    public static final String DRILL_INDEX_PREFIX = "lsdrill-";
    /** The rename pattern of a drill's indices: every name. */
    public static final String DRILL_INDEX_PATTERN = "(.+)";
    /** A database name is cut to this many characters before a suffix is added (PostgreSQL allows 63 bytes). */
    public static final int DATABASE_STEM = 40;

    private ArtifactLayout() {}

    /** {@code runs/<plan>/<run>/}: everything one run wrote. */
    public static String runPrefix(String plan, Object runId) {
        return RUNS + plan + "/" + runId + "/";
    }

    /** {@code runs/<plan>/<run>/run.json}. */
    public static String runManifest(String plan, Object runId) {
        return runPrefix(plan, runId) + RUN_MANIFEST;
    }

    /** {@code runs/<plan>/<run>/<store>/<name>}: an artifact of one store. */
    public static String artifact(String plan, Object runId, String store, String name) {
        return runPrefix(plan, runId) + store + "/" + name;
    }

    /** {@code runs/<plan>/<run>/<store>/<db>.dump}. */
    public static String dump(String plan, Object runId, String store, String database) {
        return artifact(plan, runId, store, database + DUMP_SUFFIX);
    }

    /** {@code runs/<plan>/<run>/<store>/<db>.refs.txt.gz}. */
    public static String referenceKeys(String plan, Object runId, String store, String database) {
        return artifact(plan, runId, store, database + REFERENCE_KEYS_SUFFIX);
    }

    /** {@code runs/<plan>/<run>/<store>/<db>.tables.tsv}. */
    public static String census(String plan, Object runId, String store, String database) {
        return artifact(plan, runId, store, database + CENSUS_SUFFIX);
    }

    /** {@code runs/<plan>/<run>/<store>/objects.jsonl.gz}. */
    public static String objectManifest(String plan, Object runId, String store) {
        return artifact(plan, runId, store, OBJECT_MANIFEST);
    }

    /** Whether a key is a run's own manifest ({@code .../run.json}). */
    public static boolean isRunManifest(String key) {
        return key.endsWith("/" + RUN_MANIFEST);
    }

    /** Whether a key is an object manifest ({@code .../objects.jsonl.gz}). */
    public static boolean isObjectManifest(String key) {
        return key.endsWith("/" + OBJECT_MANIFEST);
    }

    /** {@code blobs/<store>/}. */
    public static String blobPrefix(String store) {
        return BLOBS + store + "/";
    }

    /** {@code blobs/<store>/<name>}; the name is the content's SHA-256 or a keyed hash of it. */
    public static String blob(String store, String name) {
        return blobPrefix(store) + name;
    }

    /**
     * Where a damaged blob ({@code blobs/<store>/<name>} → {@code quarantine/<store>/<name>}) or pack
     * ({@code packs/<store>/<uuid>} → {@code quarantine/packs/<store>/<uuid>}) is kept aside.
     */
    public static String quarantined(String key) {
        return QUARANTINE + (key.startsWith(BLOBS) ? key.substring(BLOBS.length()) : key);
    }

    /**
     * Whether a pack of {@code packSize} bytes (null: not listed) holds the record a manifest entry places at
     * {@code offset}, {@code length} bytes long (null: the entry names no pack).
     */
    public static boolean packHolds(Long packSize, Long offset, Long length) {
        return packSize != null
                && offset != null
                && length != null
                && offset >= 0
                && length >= 0
                && packSize >= offset + length;
    }

    /** {@code packs/<store>/}. */
    public static String packPrefix(String store) {
        return PACKS + store + "/";
    }

    /** {@code packs/<store>/<name>}; every pack has a new random name. */
    public static String pack(String store, String name) {
        return packPrefix(store) + name;
    }

    /** {@code search/<store>/}: the copy of a search store's snapshot repository. */
    public static String searchCopy(String store) {
        return SEARCH + store + "/";
    }

    /** {@code tmp/<store>/<name>}. */
    public static String temporary(String store, Object name) {
        return TEMPORARY + store + "/" + name;
    }

    /** {@code lockstep-<runId>}: the search snapshot a run takes. */
    public static String snapshotName(Object runId) {
        return SNAPSHOT_PREFIX + runId;
    }

    /** A drill's scratch database beside {@code database}: {@code <stem>_lsdrill_<tag>}, lower case. */
    public static String drillDatabase(String database, String tag) {
        return stem(database) + DRILL_DATABASE_MARKER + tag;
    }

    /** Whether a database name is one a drill would have made. */
    public static boolean isDrillDatabase(String database) {
        return database != null && database.contains(DRILL_DATABASE_MARKER);
    }

    /** A drill's scratch prefix: {@code .lockstep-drill/<tag>/}. */
    public static String drillPrefix(String tag) {
        return DRILL_PREFIX + tag + "/";
    }

    /** Whether a prefix lies strictly below {@link #DRILL_PREFIX}. */
    public static boolean isDrillPrefix(String prefix) {
        return prefix != null && prefix.startsWith(DRILL_PREFIX) && prefix.length() > DRILL_PREFIX.length();
    }

    /** The rename replacement of a drill's indices: {@code lsdrill-<tag>-$1}. */
    public static String drillIndexReplacement(String tag) {
        return DRILL_INDEX_PREFIX + tag + "-$1";
    }

    /** Whether an index name is one a drill would have made. */
    public static boolean isDrillIndex(String index) {
        return index != null && index.startsWith(DRILL_INDEX_PREFIX);
    }

    /** A database name lower-cased and cut to {@link #DATABASE_STEM} characters, to take a suffix. */
    public static String stem(String database) {
        String lower = database.toLowerCase(Locale.ROOT);
        return lower.length() <= DATABASE_STEM ? lower : lower.substring(0, DATABASE_STEM);
    }
}
