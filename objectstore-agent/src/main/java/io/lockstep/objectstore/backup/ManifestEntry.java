package io.lockstep.objectstore.backup;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One line of {@code objects.jsonl.gz}: an object as it was when the run listed it, and the content-addressed
 * blob that holds its bytes in the repository.
 *
 * <p>A small object's blob may be kept in a pack instead of under its own key: then {@code pack} names the pack
 * ({@code packs/<store>/<uuid>}) and the blob's stored form ({@link io.lockstep.repository.BackupRepository#encode},
 * bound to {@code blob} as its key) is the {@code length} bytes at {@code offset}. Loose entries carry none of the
 * three, so manifests written before packs read as they always did.
 *
 * @param blob the blob's key ({@code blobs/<store>/<name>}), also when it lies in a pack
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ManifestEntry(
        String key, long size, String etag, String sha256, String blob, String pack, Long offset, Long length) {

    /** An object whose blob lies under its own key. */
    public ManifestEntry(String key, long size, String etag, String sha256, String blob) {
        this(key, size, etag, sha256, blob, null, null, null);
    }

    /** Whether the blob lies in a pack. */
    @JsonIgnore
    public boolean packed() {
        return pack != null;
    }

    /** The repository key that must exist for the blob to be readable: its pack, or the blob itself. */
    @JsonIgnore
    public String stored() {
        return packed() ? pack : blob;
    }
}
