package io.lockstep.systemtests.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Reads the backup repository (S3Proxy) directly, to check what the agents claim. */
public final class Repository {

    private static final S3Client S3 = S3Client.builder()
            .endpointOverride(URI.create(Lockstep.S3_ENDPOINT))
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(Lockstep.S3_ACCESS_KEY, Lockstep.S3_SECRET_KEY)))
            .httpClient(ApacheHttpClient.create())
            .build();

    private Repository() {}

    public static String sha256(String key) throws IOException {
        try (InputStream in = S3.getObject(b -> b.bucket(Lockstep.BUCKET).key(key))) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                sha.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final java.util.Map<String, io.lockstep.repository.BackupRepository> READERS =
            new java.util.HashMap<>();

    /**
     * Reads artifacts as Lockstep does: decrypted with the test keyset when encrypted. Keys are full object keys
     * under this build's prefix (the prefix is stripped: an artifact is bound to its repository-relative key).
     */
    private static InputStream plaintext(String key) {
        return plaintext(Lockstep.get().objectPrefix(), key);
    }

    /** Like {@link #plaintext(String)}, for an installation of its own under {@code prefix} (a fault environment). */
    private static synchronized InputStream plaintext(String prefix, String key) {
        if (!key.startsWith(prefix)) {
            throw new IllegalArgumentException(key + " is not under the prefix " + prefix);
        }
        return reader(prefix).open(key.substring(prefix.length()));
    }

    private static synchronized io.lockstep.repository.BackupRepository reader() {
        return reader(Lockstep.get().objectPrefix());
    }

    private static synchronized io.lockstep.repository.BackupRepository reader(String prefix) {
        return READERS.computeIfAbsent(
                prefix,
                p -> new io.lockstep.repository.BackupRepository(
                        S3,
                        Lockstep.BUCKET,
                        p,
                        5 * 1024 * 1024,
                        1,
                        io.lockstep.repository.Encryption.fromKeyset(Lockstep.KEYSET, false)));
    }

    /**
     * The plaintext of a blob a manifest entry names, as Lockstep reads it: from its pack (a ranged read) when the
     * entry names one, else from the blob's own key. {@code entry} is the manifest line.
     */
    public static byte[] blobContent(com.fasterxml.jackson.databind.JsonNode entry) throws IOException {
        String prefix = Lockstep.get().objectPrefix();
        if (!entry.hasNonNull("pack")) {
            try (InputStream in = plaintext(prefix + entry.path("blob").asText())) {
                return in.readAllBytes();
            }
        }
        try (InputStream in = reader().openPacked(
                        entry.path("pack").asText(),
                        entry.path("offset").asLong(),
                        entry.path("length").asLong(),
                        entry.path("blob").asText())) {
            return in.readAllBytes();
        }
    }

    /** The bytes stored for a packed entry's blob: its record in its pack, as it lies. */
    public static byte[] storedRecord(com.fasterxml.jackson.databind.JsonNode entry) throws IOException {
        long offset = entry.path("offset").asLong();
        long length = entry.path("length").asLong();
        String range = "bytes=" + offset + "-" + (offset + length - 1);
        try (InputStream in = S3.getObject(b -> b.bucket(Lockstep.BUCKET)
                .key(Lockstep.get().objectPrefix() + entry.path("pack").asText())
                .range(range))) {
            return in.readAllBytes();
        }
    }

    /** Downloads an artifact's plaintext (decrypted if it is encrypted). */
    public static Path download(String key, Path target) throws IOException {
        try (InputStream in = plaintext(key)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /** Downloads the bytes stored for an artifact, as they lie in the bucket. */
    public static Path downloadStored(String key, Path target) throws IOException {
        try (InputStream in = S3.getObject(b -> b.bucket(Lockstep.BUCKET).key(key))) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /** The first bytes stored for an artifact. */
    public static byte[] storedPrefix(String key, int length) throws IOException {
        try (InputStream in = S3.getObject(b -> b.bucket(Lockstep.BUCKET).key(key))) {
            return in.readNBytes(length);
        }
    }

    public static List<String> keys(String prefix) {
        return S3.listObjectsV2Paginator(b -> b.bucket(Lockstep.BUCKET).prefix(prefix)).contents().stream()
                .map(S3Object::key)
                .toList();
    }

    public static void createBucket(String bucket) {
        try {
            S3.createBucket(b -> b.bucket(bucket));
        } catch (software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException e) {
            // fine
        }
    }

    public static void put(String bucket, String key, byte[] bytes) {
        S3.putObject(b -> b.bucket(bucket).key(key), software.amazon.awssdk.core.sync.RequestBody.fromBytes(bytes));
    }

    public static List<String> keys(String bucket, String prefix) {
        return S3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key)
                .toList();
    }

    /** The keys of an object manifest ({@code objects.jsonl.gz}) in the repository. */
    public static List<String> manifestKeys(String key) throws IOException {
        return manifest(key).stream().map(e -> e.path("key").asText()).toList();
    }

    /** The entries of an object manifest: key, size, etag, sha256 (of the plaintext) and blob. */
    public static List<com.fasterxml.jackson.databind.JsonNode> manifest(String key) throws IOException {
        return manifest(Lockstep.get().objectPrefix(), key);
    }

    /** Like {@link #manifest(String)}, for an installation of its own under {@code prefix} (a fault environment). */
    public static List<com.fasterxml.jackson.databind.JsonNode> manifest(String prefix, String key) throws IOException {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        try (InputStream in = plaintext(prefix, key);
                var reader = new java.io.BufferedReader(new java.io.InputStreamReader(
                        new java.util.zip.GZIPInputStream(in), java.nio.charset.StandardCharsets.UTF_8))) {
            return reader.lines()
                    .filter(l -> !l.isBlank())
                    .map(l -> {
                        try {
                            return mapper.readTree(l);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .toList();
        }
    }

    public static List<MultipartUpload> openUploads(String prefix) {
        return S3.listMultipartUploads(b -> b.bucket(Lockstep.BUCKET).prefix(prefix))
                .uploads();
    }

    /** SHA-256 of every object under a prefix of a bucket, by key. */
    public static java.util.Map<String, String> objectHashes(String bucket, String prefix) throws IOException {
        java.util.Map<String, String> hashes = new java.util.TreeMap<>();
        for (String key : keys(bucket, prefix)) {
            try (InputStream in = S3.getObject(b -> b.bucket(bucket).key(key))) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                sha.update(in.readAllBytes());
                hashes.put(key, HexFormat.of().formatHex(sha.digest()));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return hashes;
    }

    public static void delete(String bucket, String key) {
        S3.deleteObject(b -> b.bucket(bucket).key(key));
    }

    public static byte[] read(String bucket, String key) throws IOException {
        try (InputStream in = S3.getObject(b -> b.bucket(bucket).key(key))) {
            return in.readAllBytes();
        }
    }
}
