package io.lockstep.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.function.Predicate;

/**
 * An agent's key for signing its events ({@link EventSignatures}): 32 or more random bytes, in base64 or raw, read
 * from a file that nobody but its owner may write, and that is either readable by its owner only (mode 0600 or
 * stricter) or a mounted secret: a file on a read-only mount, as Docker Compose secrets and Kubernetes secret volumes
 * are, whose mode the operator often cannot choose (0444, or 0440 with the pod's group). The key never leaves this
 * object: {@link #toString()} and errors name the file and the key's {@link #id()}, never its bytes.
 */
public final class EventSigningKey {

    /** The fewest key bytes accepted: HMAC-SHA256's block of security. */
    public static final int MIN_BYTES = 32;

    private static final Set<PosixFilePermission> WRITE_BY_GROUP_OR_OTHERS =
            EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
    private static final Set<PosixFilePermission> READ_BY_GROUP_OR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_EXECUTE);

    private final byte[] key;
    private final String id;

    private EventSigningKey(byte[] key) {
        if (key.length < MIN_BYTES) {
            throw new IllegalArgumentException(
                    "an event signing key needs at least " + MIN_BYTES + " bytes, not " + key.length);
        }
        this.key = key.clone();
        this.id = idOf(this.key);
    }

    /** A key from its bytes (tests, and keys read elsewhere). */
    public static EventSigningKey of(byte[] key) {
        return new EventSigningKey(key);
    }

    /**
     * Reads a key file: its content, without surrounding whitespace, as base64 if it decodes to at least
     * {@value #MIN_BYTES} bytes, else as raw bytes.
     *
     * @throws IllegalArgumentException if the file is missing, writable by group or others, readable by group or
     *     others without being on a read-only mount, or too short
     */
    public static EventSigningKey load(Path file) {
        return load(file, EventSigningKey::onReadOnlyMount);
    }

    /** {@link #load(Path)} with the test for a read-only mount given (tests). */
    static EventSigningKey load(Path file, Predicate<Path> readOnlyMount) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("event signing key file " + file + " does not exist or is no file");
        }
        // Follows links: a Kubernetes secret volume links each key to its file.
        PosixFileAttributeView posix = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        byte[] content;
        try {
            if (posix != null) {
                checkPermissions(file, posix.readAttributes().permissions(), readOnlyMount);
            }
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read event signing key file " + file + ": "
                            + e.getClass().getSimpleName(),
                    e);
        }
        byte[] key = decode(content);
        Arrays.fill(content, (byte) 0);
        if (key.length < MIN_BYTES) {
            throw new IllegalArgumentException("event signing key file " + file + " holds " + key.length
                    + " bytes; it needs at least " + MIN_BYTES + " random bytes (raw or base64)");
        }
        return new EventSigningKey(key);
    }

    private static void checkPermissions(
            Path file, Set<PosixFilePermission> permissions, Predicate<Path> readOnlyMount) {
        Set<PosixFilePermission> writable = EnumSet.noneOf(PosixFilePermission.class);
        writable.addAll(permissions);
        writable.retainAll(WRITE_BY_GROUP_OR_OTHERS);
        if (!writable.isEmpty()) {
            throw new IllegalArgumentException("event signing key file " + file
                    + " may be written by others than its owner (" + writable + "); chmod 600 it");
        }
        Set<PosixFilePermission> readable = EnumSet.noneOf(PosixFilePermission.class);
        readable.addAll(permissions);
        readable.retainAll(READ_BY_GROUP_OR_OTHERS);
        if (!readable.isEmpty() && !readOnlyMount.test(file)) {
            throw new IllegalArgumentException("event signing key file " + file
                    + " must be readable by its owner only (chmod 600), or be a secret on a read-only mount "
                    + "(a Compose secret, a Kubernetes secret volume), but it grants " + readable
                    + " on a writable file system");
        }
    }

    /** Whether the file lies on a file system mounted read-only (a mounted secret). */
    static boolean onReadOnlyMount(Path file) {
        try {
            return Files.getFileStore(file.toRealPath()).isReadOnly();
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] decode(byte[] content) {
        String text = new String(content, StandardCharsets.ISO_8859_1).strip();
        try {
            byte[] decoded = Base64.getDecoder().decode(text);
            if (decoded.length >= MIN_BYTES) {
                return decoded;
            }
        } catch (IllegalArgumentException notBase64) {
            // raw bytes
        }
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * A public name of the key: the first 8 bytes of its SHA-256, in hex. Tells which key signed an event (a
     * stale key file after a rotation, say) without revealing it.
     */
    public String id() {
        return id;
    }

    /** Whether an event's key id names this key (the id is public: a plain comparison). */
    boolean isNamed(String keyId) {
        return id.equals(keyId);
    }

    /** The key bytes, for the MAC only. */
    byte[] bytes() {
        return key;
    }

    private static String idOf(byte[] key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key);
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "EventSigningKey[id=" + id + "]";
    }
}
