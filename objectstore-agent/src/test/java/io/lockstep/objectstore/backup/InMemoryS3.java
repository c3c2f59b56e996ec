package io.lockstep.objectstore.backup;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Just enough of S3 in memory for the agent's single-PUT paths: put, get (whole or a byte range), head, copy, delete and a paginated
 * ListObjectsV2 (keys in UTF-8 byte order, as S3). Consumer-builder overloads are the SDK's own default methods.
 */
final class InMemoryS3 implements InvocationHandler {

    final Map<String, NavigableMap<String, byte[]>> buckets = new ConcurrentHashMap<>();
    final int pageSize;

    private InMemoryS3(int pageSize) {
        this.pageSize = pageSize;
    }

    static InMemoryS3 create(int pageSize) {
        return new InMemoryS3(pageSize);
    }

    S3Client client() {
        return (S3Client)
                Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, this);
    }

    NavigableMap<String, byte[]> bucket(String name) {
        return buckets.computeIfAbsent(name, b -> new ConcurrentSkipListMap<>(Manifests.KEY_ORDER));
    }

    static String etag(byte[] bytes) {
        try {
            return "\""
                    + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes)) + "\"";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] existing(String bucket, String key) {
        byte[] bytes = bucket(bucket).get(key);
        if (bytes == null) {
            throw NoSuchKeyException.builder()
                    .message("no such key " + key)
                    .statusCode(404)
                    .build();
        }
        return bytes;
    }

    /** ListObjectsV2 requests (pages) answered so far. */
    final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();

    /** Runs before every PUT, on the putting thread: a test can hold a PUT there. */
    volatile Consumer<String> beforePut = key -> {};

    /** PUTs of keys it matches fail as a refused connection would. */
    volatile java.util.function.Predicate<String> failPuts = key -> false;

    /** HEAD requests answered so far. */
    final java.util.concurrent.atomic.AtomicInteger heads = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        Class<?>[] types = method.getParameterTypes();
        if (types.length > 0 && types[0] == Consumer.class || method.getName().endsWith("Paginator")) {
            return InvocationHandler.invokeDefault(proxy, method, args);
        }
        switch (method.getName()) {
            case "putObject" -> {
                PutObjectRequest request = (PutObjectRequest) args[0];
                beforePut.accept(request.key());
                if (failPuts.test(request.key())) {
                    throw software.amazon.awssdk.core.exception.SdkClientException.create(
                            "connection refused (test) for " + request.key());
                }
                RequestBody body = (RequestBody) args[1];
                // Read twice, as the SDK does when it signs the payload over plain http: a body that cannot be read
                // again fails here as it would against S3Proxy.
                try (var signing = body.contentStreamProvider().newStream()) {
                    signing.readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                try (var in = body.contentStreamProvider().newStream()) {
                    byte[] bytes = in.readAllBytes();
                    bucket(request.bucket()).put(request.key(), bytes);
                    return PutObjectResponse.builder().eTag(etag(bytes)).build();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            case "getObject" -> {
                if (types.length == 2 && ResponseTransformer.class.isAssignableFrom(types[1])) {
                    GetObjectRequest request = (GetObjectRequest) args[0];
                    byte[] bytes = existing(request.bucket(), request.key());
                    if (request.range() != null) { // bytes=first-last, as a pack's reader asks
                        String[] bounds =
                                request.range().substring("bytes=".length()).split("-");
                        int first = Integer.parseInt(bounds[0]);
                        int last = Math.min(bytes.length - 1, Integer.parseInt(bounds[1]));
                        bytes = java.util.Arrays.copyOfRange(bytes, Math.min(first, bytes.length), last + 1);
                    }
                    GetObjectResponse response = GetObjectResponse.builder()
                            .contentLength((long) bytes.length)
                            .eTag(etag(bytes))
                            .build();
                    @SuppressWarnings("unchecked")
                    ResponseTransformer<GetObjectResponse, Object> transformer =
                            (ResponseTransformer<GetObjectResponse, Object>) args[1];
                    return transformer.transform(
                            response, AbortableInputStream.create(new ByteArrayInputStream(bytes)));
                }
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            case "getObjectAsBytes" -> {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            case "headObject" -> {
                heads.incrementAndGet();
                HeadObjectRequest request = (HeadObjectRequest) args[0];
                byte[] bytes = existing(request.bucket(), request.key());
                return HeadObjectResponse.builder()
                        .contentLength((long) bytes.length)
                        .eTag(etag(bytes))
                        .build();
            }
            case "copyObject" -> {
                CopyObjectRequest request = (CopyObjectRequest) args[0];
                byte[] bytes = existing(request.sourceBucket(), request.sourceKey());
                bucket(request.destinationBucket()).put(request.destinationKey(), bytes.clone());
                return CopyObjectResponse.builder().build();
            }
            case "deleteObject" -> {
                DeleteObjectRequest request = (DeleteObjectRequest) args[0];
                bucket(request.bucket()).remove(request.key());
                return DeleteObjectResponse.builder().build();
            }
            case "listObjectsV2" -> {
                ListObjectsV2Request request = (ListObjectsV2Request) args[0];
                String prefix = request.prefix() == null ? "" : request.prefix();
                NavigableMap<String, byte[]> all = bucket(request.bucket());
                // As S3: a continuation token takes over from StartAfter, which only the first page uses.
                NavigableMap<String, byte[]> view;
                if (request.continuationToken() != null) {
                    view = all.tailMap(request.continuationToken(), false);
                } else if (request.startAfter() != null
                        && Manifests.KEY_ORDER.compare(request.startAfter(), prefix) >= 0) {
                    view = all.tailMap(request.startAfter(), false);
                } else {
                    view = all.tailMap(prefix, true);
                }
                requests.incrementAndGet();
                List<S3Object> page = new ArrayList<>();
                String last = null;
                boolean truncated = false;
                for (Map.Entry<String, byte[]> e : view.entrySet()) {
                    if (!e.getKey().startsWith(prefix)) {
                        break;
                    }
                    if (page.size() == pageSize) {
                        truncated = true;
                        break;
                    }
                    page.add(S3Object.builder()
                            .key(e.getKey())
                            .size((long) e.getValue().length)
                            .eTag(etag(e.getValue()))
                            .build());
                    last = e.getKey();
                }
                return ListObjectsV2Response.builder()
                        .contents(page)
                        .isTruncated(truncated)
                        .nextContinuationToken(truncated ? last : null)
                        .keyCount(page.size())
                        .build();
            }
            case "close" -> {
                return null;
            }
            case "serviceName" -> {
                return "s3";
            }
            case "toString" -> {
                return "InMemoryS3";
            }
            case "hashCode" -> {
                return System.identityHashCode(proxy);
            }
            case "equals" -> {
                return proxy == args[0];
            }
            default -> throw new UnsupportedOperationException("InMemoryS3 does not do " + method.getName());
        }
    }
}
