package io.lockstep.repository;

/**
 * What the repository holds after an upload.
 *
 * @param key the key relative to the repository prefix
 * @param bytes bytes stored
 * @param sha256 lowercase hex SHA-256 of the stored bytes
 * @param parts multipart parts used (1 for a single PUT)
 * @param sourceEndedAt when the source reached end-of-stream; the rest of the upload's time is the repository's
 */
public record UploadResult(String key, long bytes, String sha256, int parts, java.time.Instant sourceEndedAt) {}
