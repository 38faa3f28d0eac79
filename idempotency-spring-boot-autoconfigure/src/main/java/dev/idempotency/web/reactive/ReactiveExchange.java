package dev.idempotency.web.reactive;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ServerWebExchange;

import dev.idempotency.engine.OwnedKey;
import dev.idempotency.web.ResponseRecorder;

/**
 * The idempotency state of one WebFlux exchange whose request carries a key, kept as an exchange
 * attribute from the filter, through the handler's claim, to the end of the exchange. It decides
 * "one claim per exchange" and ends the claim exactly once, whichever comes first: the response
 * written ({@link #end}), or the exchange ending without it ({@link #exchangeEnded}) because the
 * client went away, writing the response failed, or the handler failed.
 *
 * <p>The stored result does not depend on the client staying connected: the handler's work is
 * subscribed to on its own ({@link #workStarted}), so a cancelled exchange neither stops it nor
 * releases its key once it ran; it is then recorded as processed without a response to replay.
 */
final class ReactiveExchange {

    private static final String ATTRIBUTE = ReactiveExchange.class.getName();

    private final ResponseRecorder recorder;
    private final AtomicReference<OwnedKey> owned = new AtomicReference<>();
    private final AtomicBoolean admitted = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile CompletableFuture<?> work;
    private volatile boolean handlerReturned;

    private ReactiveExchange(ResponseRecorder recorder) {
        this.recorder = recorder;
    }

    /** Starts the state of an exchange whose request carries a key. */
    static ReactiveExchange start(ServerWebExchange exchange, ResponseRecorder recorder) {
        ReactiveExchange state = new ReactiveExchange(recorder);
        exchange.getAttributes().put(ATTRIBUTE, state);
        return state;
    }

    /** The state of {@code exchange}; {@code null} when its request carries no key. */
    static ReactiveExchange of(ServerWebExchange exchange) {
        return exchange.getAttribute(ATTRIBUTE);
    }

    /** Marks the exchange as decided by a protected handler; only the first call returns {@code true}. */
    boolean admit() {
        return admitted.compareAndSet(false, true);
    }

    /**
     * The handler claimed {@code key}: from now on its response is captured. A claim that
     * answers after the exchange ended (the client went away during it) is released at once,
     * since its handler never ran.
     */
    void own(OwnedKey key) {
        owned.set(key);
        if (ended.get()) {
            OwnedKey unused = owned.getAndSet(null);
            if (unused != null) {
                recorder.releaseAsync(unused, "a claim its client did not wait for");
            }
        }
    }

    /** The handler's claim, until it ends; {@code null} when there is none. */
    OwnedKey ownedKey() {
        return owned.get();
    }

    /** The handler returned a value: its work ran, whatever becomes of its response. */
    void handlerReturned() {
        handlerReturned = true;
    }

    /** The handler returned the promise of a value, subscribed to as {@code work} independently of the client. */
    void workStarted(CompletableFuture<?> work) {
        this.work = work;
    }

    /**
     * The response is complete: ends the claim with {@code ending} before it is sent.
     *
     * @return a stage completing once the claim has ended, never exceptionally
     */
    CompletionStage<Void> end(ResponseRecorder.Ending ending) {
        OwnedKey key = owned.getAndSet(null);
        return key == null ? CompletableFuture.completedFuture(null) : ending.endAsync(key);
    }

    /**
     * The exchange ended. A claim still open here ended without a response the library saw:
     * once the handler's work ran (or runs to its end), it is recorded as processed without a
     * replayable response; when the handler never returned, it is released.
     *
     * @param status the response's status so far, or {@code null}
     */
    void exchangeEnded(HttpStatusCode status) {
        ended.set(true);
        CompletableFuture<?> running = work;
        if (running != null && !running.isDone()) {
            running.whenComplete((value, failure) -> endUnanswered(failure == null, status));
            return;
        }
        endUnanswered(handlerReturned && (running == null || !running.isCompletedExceptionally()), status);
    }

    private void endUnanswered(boolean workRan, HttpStatusCode status) {
        OwnedKey key = owned.getAndSet(null);
        if (key == null) {
            return;
        }
        if (workRan) {
            recorder.notReplayable(status == null ? 200 : status.value()).endAsync(key);
        }
        else {
            recorder.releaseAsync(key, "a request that ended without a response it could store");
        }
    }
}
