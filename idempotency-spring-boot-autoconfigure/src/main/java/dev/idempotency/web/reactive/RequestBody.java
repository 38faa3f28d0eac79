package dev.idempotency.web.reactive;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

import dev.idempotency.engine.RequestFingerprint;
import dev.idempotency.web.HandlerAdmission;
import dev.idempotency.web.RequestTooLargeException;

/**
 * The body of a protected request, read once, up to {@code max-request-size}, before WebFlux
 * resolves the handler's arguments from it ({@link #replayedTo}), and fingerprinted with the
 * request's method, path and query as sent. Unlike the servlet path, whose container parses a
 * form or multipart body into parameters and parts, the body's bytes are fingerprinted as sent.
 *
 * @param bytes the body, or {@code null} when it was not read (no key) or is too large
 * @param maxBytes the limit it was read against
 */
record RequestBody(byte[] bytes, boolean tooLarge, int maxBytes) {

    static final RequestBody NOT_READ = new RequestBody(null, false, 0);

    /** Reads {@code request}'s body, holding at most {@code maxBytes}. */
    static Mono<RequestBody> read(ServerHttpRequest request, int maxBytes) {
        return DataBufferUtils.join(request.getBody(), maxBytes)
                .map(joined -> {
                    byte[] bytes = new byte[joined.readableByteCount()];
                    joined.read(bytes);
                    DataBufferUtils.release(joined);
                    return new RequestBody(bytes, false, maxBytes);
                })
                .defaultIfEmpty(new RequestBody(new byte[0], false, maxBytes))
                .onErrorResume(DataBufferLimitException.class, ex -> Mono.just(new RequestBody(null, true, maxBytes)));
    }

    /** {@code request} with its body read from the bytes held, as often as it is asked for. */
    ServerHttpRequest replayedTo(ServerHttpRequest request) {
        return new ServerHttpRequestDecorator(request) {
            @Override
            public Flux<DataBuffer> getBody() {
                return Flux.defer(() -> Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(bytes)));
            }
        };
    }

    /** @throws RequestTooLargeException when the body is larger than the limit */
    void requireWithinLimit() {
        if (tooLarge) {
            throw RequestTooLargeException.above(maxBytes);
        }
    }

    /** SHA-256 over the method, path and query as sent, and the body's bytes. */
    RequestFingerprint fingerprint(ServerHttpRequest request) {
        return HandlerAdmission.fingerprintOf(request.getMethod().name(), request.getURI().getRawPath(),
                        request.getURI().getRawQuery())
                .add(bytes == null ? new byte[0] : bytes)
                .build();
    }
}
