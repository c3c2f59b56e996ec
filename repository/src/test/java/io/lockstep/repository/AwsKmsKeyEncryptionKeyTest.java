package io.lockstep.repository;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DecryptRequest;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.EncryptRequest;
import software.amazon.awssdk.services.kms.model.EncryptResponse;
import software.amazon.awssdk.services.kms.model.KmsException;

/**
 * The KMS envelope logic with an in-memory stand-in for the KMS client (AES-GCM, the encryption context as
 * associated data, as KMS binds it). AWS KMS itself is not reachable from the build.
 */
class AwsKmsKeyEncryptionKeyTest {

    static final String ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    /** Encrypts like KMS: the blob carries the IV; the encryption context must match on decrypt. */
    static final class StandInKms implements KmsClient {
        final SecretKey key;
        final AtomicInteger encrypts = new AtomicInteger();
        final AtomicInteger decrypts = new AtomicInteger();
        volatile boolean denied;

        StandInKms() throws Exception {
            KeyGenerator generator = KeyGenerator.getInstance("AES");
            generator.init(256);
            key = generator.generateKey();
        }

        @Override
        public EncryptResponse encrypt(EncryptRequest request) {
            encrypts.incrementAndGet();
            try {
                byte[] iv = new byte[12];
                new SecureRandom().nextBytes(iv);
                Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
                cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
                cipher.updateAAD(request.encryptionContext().toString().getBytes(StandardCharsets.UTF_8));
                byte[] sealed = cipher.doFinal(request.plaintext().asByteArray());
                return EncryptResponse.builder()
                        .keyId(request.keyId())
                        .ciphertextBlob(SdkBytes.fromByteArray(ByteBuffer.allocate(12 + sealed.length)
                                .put(iv)
                                .put(sealed)
                                .array()))
                        .build();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public DecryptResponse decrypt(DecryptRequest request) {
            decrypts.incrementAndGet();
            if (denied) {
                throw KmsException.builder()
                        .message("User is not authorized to perform kms:Decrypt")
                        .build();
            }
            try {
                byte[] blob = request.ciphertextBlob().asByteArray();
                Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
                cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, blob, 0, 12));
                cipher.updateAAD(request.encryptionContext().toString().getBytes(StandardCharsets.UTF_8));
                return DecryptResponse.builder()
                        .plaintext(SdkBytes.fromByteArray(cipher.doFinal(blob, 12, blob.length - 12)))
                        .build();
            } catch (Exception e) {
                throw KmsException.builder()
                        .message("InvalidCiphertextException")
                        .build();
            }
        }

        @Override
        public String serviceName() {
            return "kms";
        }

        @Override
        public void close() {}
    }

    static byte[] roundTrip(Encryption writer, Encryption reader, String key, byte[] plaintext) throws Exception {
        byte[] stored;
        try (InputStream in = writer.encrypt(key, new ByteArrayInputStream(plaintext))) {
            stored = in.readAllBytes();
        }
        try (InputStream in = new DecodingInputStream(new ByteArrayInputStream(stored), key, key, reader)) {
            return in.readAllBytes();
        }
    }

    @Test
    void artifactsAreWrappedByTheKmsKeyWithOneKmsCallPerDataKeyNotPerArtifact() throws Exception {
        StandInKms kms = new StandInKms();
        Encryption writer = Encryption.withKeyEncryptionKey(new AwsKmsKeyEncryptionKey(kms, ARN), ARN, true);
        Encryption reader = Encryption.withKeyEncryptionKey(new AwsKmsKeyEncryptionKey(kms, ARN), ARN, false);

        for (int i = 0; i < 3; i++) {
            byte[] plaintext = ("blob " + i).getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(plaintext, roundTrip(writer, reader, "blobs/media/" + i, plaintext));
        }

        assertEquals(1, kms.encrypts.get(), "one data key wrapped for all three artifacts");
        assertEquals(1, kms.decrypts.get(), "and unwrapped once, then cached");
        assertEquals(ARN, writer.keyId().orElseThrow(), "the run manifest records the key's ARN");
    }

    @Test
    void aKmsRefusalFailsTheReadClearly() throws Exception {
        StandInKms kms = new StandInKms();
        Encryption writer = Encryption.withKeyEncryptionKey(new AwsKmsKeyEncryptionKey(kms, ARN), ARN, true);
        kms.denied = true;
        Encryption reader = Encryption.withKeyEncryptionKey(new AwsKmsKeyEncryptionKey(kms, ARN), ARN, false);

        IntegrityException e = assertThrows(
                IntegrityException.class,
                () -> roundTrip(writer, reader, "runs/p/r/db.dump", "PGDMP".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("runs/p/r/db.dump") && e.getMessage().contains(ARN), e.getMessage());
        assertTrue(e.getMessage().contains("not authorized to perform kms:Decrypt"), e.getMessage());
    }

    @Test
    void aKeysetAndAKmsKeyTogetherAreRefused() {
        RepositoryException e = assertThrows(
                RepositoryException.class,
                () -> Encryption.configure(
                        true,
                        java.util.Optional.empty(),
                        java.util.Optional.of(Encryption.generateKeyset()),
                        java.util.Optional.of(ARN),
                        java.util.Optional.empty()));
        assertTrue(e.getMessage().contains("not both"), e.getMessage());
    }
}
