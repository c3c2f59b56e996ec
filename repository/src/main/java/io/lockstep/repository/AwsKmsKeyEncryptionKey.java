package io.lockstep.repository;

import com.google.crypto.tink.Aead;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * A key-encryption key held in AWS KMS, as a Tink {@link Aead}: data keys are wrapped with KMS Encrypt and
 * unwrapped with KMS Decrypt, the associated data travelling as encryption context. Credentials come from the AWS
 * default chain (instance role, environment, profile). Rotation is KMS's own (automatic key rotation keeps older
 * key material); moving to another key works as long as the services may still decrypt with the old one, because
 * Decrypt reads the key from the ciphertext.
 * <p>
 * Not tested against AWS KMS here (no KMS is reachable from the build); the wrapping logic is unit-tested with an
 * in-memory stand-in for the client.
 */
public final class AwsKmsKeyEncryptionKey implements Aead {

    private static final String CONTEXT_KEY = "lockstep-associated-data";

    private final KmsClient kms;
    private final String keyArn;

    AwsKmsKeyEncryptionKey(KmsClient kms, String keyArn) {
        this.kms = kms;
        this.keyArn = keyArn;
    }

    /** Encryption whose KEK is the KMS key {@code keyArn}; the region is the ARN's unless given. */
    public static Encryption encryption(String keyArn, Optional<String> region, boolean encryptNew) {
        String[] arn = keyArn.split(":");
        Region kmsRegion = Region.of(region.orElse(arn.length > 3 && !arn[3].isBlank() ? arn[3] : "us-east-1"));
        KmsClient client = KmsClient.builder()
                .region(kmsRegion)
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .httpClientBuilder(ApacheHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(30)))
                .build();
        return Encryption.withKeyEncryptionKey(new AwsKmsKeyEncryptionKey(client, keyArn), keyArn, encryptNew);
    }

    private static Map<String, String> context(byte[] associatedData) {
        return Map.of(CONTEXT_KEY, HexFormat.of().formatHex(associatedData == null ? new byte[0] : associatedData));
    }

    @Override
    public byte[] encrypt(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException {
        try {
            return kms.encrypt(b -> b.keyId(keyArn)
                            .plaintext(SdkBytes.fromByteArray(plaintext))
                            .encryptionContext(context(associatedData)))
                    .ciphertextBlob()
                    .asByteArray();
        } catch (SdkException e) {
            throw new GeneralSecurityException(
                    "AWS KMS could not wrap a data key with " + keyArn + ": " + e.getMessage());
        }
    }

    @Override
    public byte[] decrypt(byte[] ciphertext, byte[] associatedData) throws GeneralSecurityException {
        try {
            return kms.decrypt(b -> b.ciphertextBlob(SdkBytes.fromByteArray(ciphertext))
                            .encryptionContext(context(associatedData)))
                    .plaintext()
                    .asByteArray();
        } catch (SdkException e) {
            throw new GeneralSecurityException("AWS KMS could not unwrap a data key: " + e.getMessage());
        }
    }
}
