package dev.idempotency.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import dev.idempotency.engine.IdempotentWork;
import dev.idempotency.engine.RequestFingerprint;
import dev.idempotency.engine.ResultCodec;
import dev.idempotency.web.StoredResponse;

/**
 * The exchange every engine and storage benchmark repeats: the sample app's {@code POST /orders}
 * and its {@code 201}, at their real sizes, with a handler that does no work.
 */
final class OrderExchange {

    static final String METHOD = "POST";
    static final String PATH = "/orders";
    static final byte[] BODY = "{\"item\":\"book\",\"quantity\":2}".getBytes(StandardCharsets.UTF_8);

    /** The stored answer, encoded as the web layer stores it: status, replayed headers, body. */
    static final byte[] RESPONSE = new StoredResponse(201, List.of(
            new StoredResponse.Header("Content-Type", "application/json"),
            new StoredResponse.Header("Location", "/orders/0b6e4a4e-2f0c-4d7e-9a43-3f1f6c8f2d11")),
            ("{\"id\":\"0b6e4a4e-2f0c-4d7e-9a43-3f1f6c8f2d11\",\"item\":\"book\",\"quantity\":2,"
                    + "\"createdAt\":\"2025-01-01T12:00:00.000000Z\"}").getBytes(StandardCharsets.UTF_8))
            .encode();

    /** The handler: no work, the same answer every time. */
    static final IdempotentWork<byte[], RuntimeException> NO_OP = () -> RESPONSE;

    /** The answer is already bytes, as the web layer's is. */
    static final ResultCodec<byte[]> AS_IS = new ResultCodec<>() {

        @Override
        public byte[] encode(byte[] result) {
            return result;
        }

        @Override
        public byte[] decode(byte[] bytes) {
            return bytes;
        }
    };

    /** How long a completed key is kept: long enough for a run, short enough to clean up after one. */
    static final Duration RETENTION = Duration.ofMinutes(10);

    /** How long a claim holds its key: the library's default. */
    static final Duration LEASE = Duration.ofSeconds(30);

    private OrderExchange() {
    }

    /** The fingerprint the web layer computes for this request: method, path, query, body. */
    static RequestFingerprint fingerprint() {
        return RequestFingerprint.builder().add(METHOD).add(PATH).add((String) null).add(BODY).build();
    }
}
