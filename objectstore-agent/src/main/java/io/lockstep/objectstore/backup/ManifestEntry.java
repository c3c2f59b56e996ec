package io.lockstep.objectstore.backup;

/**
 * One line of {@code objects.jsonl.gz}: an object as it was when the run listed it, and the content-addressed
 * blob that holds its bytes in the repository.
 */
public record ManifestEntry(String key, long size, String etag, String sha256, String blob) {}
