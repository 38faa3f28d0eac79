package dev.idempotency.web.reactive;

import java.io.ByteArrayInputStream;
import java.util.List;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;

import dev.idempotency.web.ResponseRecorder;

/**
 * The response of an exchange whose request carries a key. Until a handler claims the key it
 * passes everything through; once one did, the body is held as it is written, the claim ended
 * with it ({@link ResponseRecorder}: stored, recorded as processed, or released), and only then
 * is the body sent on: a retry that arrives once the client has the answer is replayed it. The
 * store is not cancelled when the client goes away meanwhile.
 */
final class CapturingResponse extends ServerHttpResponseDecorator {

    private final ReactiveExchange state;
    private final ResponseRecorder recorder;

    CapturingResponse(ServerHttpResponse delegate, ReactiveExchange state, ResponseRecorder recorder) {
        super(delegate);
        this.state = state;
        this.recorder = recorder;
    }

    @Override
    public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
        if (state.ownedKey() == null) {
            return super.writeWith(body);
        }
        return Flux.from(body).collectList().flatMap(buffers -> {
            byte[] held = concatenated(buffers);
            return endClaim(held).then(super.writeWith(Mono.fromSupplier(() -> bufferFactory().wrap(held))));
        });
    }

    /** A response without a body (a 204, or a {@code ResponseEntity} without one) ends the claim too. */
    @Override
    public Mono<Void> setComplete() {
        if (state.ownedKey() == null) {
            return super.setComplete();
        }
        return endClaim(new byte[0]).then(super.setComplete());
    }

    /**
     * Ends the claim with the response held: its status, its headers, and a body longer than
     * {@code max-response-size} as its status alone.
     */
    private Mono<Void> endClaim(byte[] held) {
        HttpStatusCode status = getStatusCode();
        ResponseRecorder.Ending ending = recorder.endingOf(status == null ? 200 : status.value(),
                held.length > recorder.maxResponseBytes(), getHeaders()::getOrEmpty, held.length,
                new ByteArrayInputStream(held));
        return Mono.fromFuture(state.end(ending).toCompletableFuture(), true);
    }

    private static byte[] concatenated(List<? extends DataBuffer> buffers) {
        int size = 0;
        for (DataBuffer buffer : buffers) {
            size += buffer.readableByteCount();
        }
        byte[] held = new byte[size];
        int offset = 0;
        for (DataBuffer buffer : buffers) {
            int length = buffer.readableByteCount();
            buffer.read(held, offset, length);
            offset += length;
            DataBufferUtils.release(buffer);
        }
        return held;
    }
}
