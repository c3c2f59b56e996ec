package io.lockstep.postgres.wal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/** One bucket in memory, for the repository's small-artifact paths (single PUT, GET, HEAD, one listing page). */
final class MemoryS3 implements InvocationHandler {

    final NavigableMap<String, byte[]> objects = new ConcurrentSkipListMap<>();
    /** PUTs of keys ending with this fail as an unreachable S3 would; null lets every PUT through. */
    volatile String failPutsEndingWith;

    S3Client client() {
        return (S3Client)
                Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, this);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        Class<?>[] types = method.getParameterTypes();
        if (types.length > 0 && types[0] == Consumer.class || method.getName().endsWith("Paginator")) {
            return InvocationHandler.invokeDefault(proxy, method, args);
        }
        switch (method.getName()) {
            case "putObject" -> {
                PutObjectRequest request = (PutObjectRequest) args[0];
                String fail = failPutsEndingWith;
                if (fail != null && request.key().endsWith(fail)) {
                    throw S3Exception.builder()
                            .message("connection reset")
                            .statusCode(503)
                            .build();
                }
                try (var in = ((RequestBody) args[1]).contentStreamProvider().newStream()) {
                    objects.put(request.key(), in.readAllBytes());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return PutObjectResponse.builder().build();
            }
            case "getObject" -> {
                if (args.length == 1) {
                    return InvocationHandler.invokeDefault(proxy, method, args);
                }
                byte[] bytes = existing(((GetObjectRequest) args[0]).key());
                @SuppressWarnings("unchecked")
                ResponseTransformer<GetObjectResponse, Object> transformer =
                        (ResponseTransformer<GetObjectResponse, Object>) args[1];
                return transformer.transform(
                        GetObjectResponse.builder()
                                .contentLength((long) bytes.length)
                                .build(),
                        AbortableInputStream.create(new ByteArrayInputStream(bytes)));
            }
            case "headObject" -> {
                byte[] bytes = existing(((HeadObjectRequest) args[0]).key());
                return HeadObjectResponse.builder()
                        .contentLength((long) bytes.length)
                        .build();
            }
            case "listObjectsV2" -> {
                String prefix = ((ListObjectsV2Request) args[0]).prefix();
                List<S3Object> page = objects.tailMap(prefix, true).entrySet().stream()
                        .takeWhile(e -> e.getKey().startsWith(prefix))
                        .map(e -> S3Object.builder()
                                .key(e.getKey())
                                .size((long) e.getValue().length)
                                .build())
                        .toList();
                return ListObjectsV2Response.builder()
                        .contents(page)
                        .isTruncated(false)
                        .keyCount(page.size())
                        .build();
            }
            case "close" -> {
                return null;
            }
            case "serviceName" -> {
                return "s3";
            }
            case "hashCode" -> {
                return System.identityHashCode(proxy);
            }
            case "equals" -> {
                return proxy == args[0];
            }
            case "toString" -> {
                return "MemoryS3";
            }
            default -> throw new UnsupportedOperationException("MemoryS3 does not do " + method.getName());
        }
    }

    private byte[] existing(String key) {
        byte[] bytes = objects.get(key);
        if (bytes == null) {
            throw NoSuchKeyException.builder()
                    .message("no such key")
                    .statusCode(404)
                    .build();
        }
        return bytes;
    }
}
