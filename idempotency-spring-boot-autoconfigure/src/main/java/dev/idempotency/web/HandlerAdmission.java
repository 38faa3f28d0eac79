package dev.idempotency.web;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.http.server.PathContainer;
import org.springframework.web.method.HandlerMethod;

import dev.idempotency.annotation.Idempotent;
import dev.idempotency.annotation.InProgress;
import dev.idempotency.engine.ClaimOptions;
import dev.idempotency.engine.ClaimOutcome;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;
import dev.idempotency.engine.IdempotentResultNotReplayableException;
import dev.idempotency.engine.OwnedKey;
import dev.idempotency.engine.RequestFingerprint;
import dev.idempotency.engine.Takeover;

/**
 * Decides, as a handler method is about to start, whether it runs, for every web stack: whether
 * its route is protected, which scoped key the request claims, and what the claim's outcome means
 * over HTTP (run, replay, or a refusal thrown as the exception the stack answers with a problem).
 * A stack's adapter supplies what only it can read (the header lines, the scope, the body) and
 * calls this when its arguments are bound and validated, so a request refused before the handler
 * starts never claims a key.
 */
public final class HandlerAdmission {

    /** Namespaces HTTP keys, so they never meet keys of bean methods or of the template. */
    public static final String HTTP_SCOPE = "http:";

    private final IdempotencyKeeper keeper;
    private final IdempotentRoutes routes;
    private final IdempotencyKeyHeader header;
    private final IdempotencyKeyValidator keyValidator;
    private final StreamingHandlers streaming;
    private final InProgress inProgress;
    private final Duration waitTimeout;
    private final int maxRequestBytes;
    private final Map<HandlerKey, HandlerTraits> handlerTraits = new ConcurrentHashMap<>();

    /**
     * @param streaming what streams on this web stack
     * @param inProgress what a duplicate of a running request gets unless its handler says otherwise
     * @param waitTimeout the longest a duplicate waits under {@link InProgress#WAIT}
     * @param maxRequestBytes the largest request body fingerprinted; a larger one is refused with 413
     */
    public HandlerAdmission(IdempotencyKeeper keeper, IdempotentRoutes routes, IdempotencyKeyHeader header,
            IdempotencyKeyValidator keyValidator, StreamingHandlers streaming, InProgress inProgress,
            Duration waitTimeout, int maxRequestBytes) {
        this.keeper = keeper;
        this.routes = routes;
        this.header = header;
        this.keyValidator = keyValidator;
        this.streaming = streaming;
        this.inProgress = inProgress;
        this.waitTimeout = waitTimeout;
        this.maxRequestBytes = maxRequestBytes;
    }

    /** The key header. */
    public IdempotencyKeyHeader header() {
        return header;
    }

    /** The largest request body fingerprinted. */
    public int maxRequestBytes() {
        return maxRequestBytes;
    }

    /**
     * The handler's traits, looked up on its first request only. Keyed by bean type as well as
     * method: a generic return type, and so whether the handler streams, depends on the bean type.
     */
    public HandlerTraits traitsOf(HandlerMethod handler) {
        HandlerKey key = new HandlerKey(handler.getBeanType(), handler.getMethod());
        HandlerTraits traits = handlerTraits.get(key);
        if (traits == null) {
            traits = handlerTraits.computeIfAbsent(key, absent -> {
                Idempotent annotation = AnnotatedElementUtils.findMergedAnnotation(handler.getMethod(), Idempotent.class);
                return new HandlerTraits(annotation, streaming.isStreaming(handler), claimOptions(annotation));
            });
        }
        return traits;
    }

    /**
     * How the handler with {@code traits} is protected for a request.
     *
     * @param pathWithinApplication asked for only when a configured route could match
     */
    public IdempotentRoutes.Protection protectionOf(HandlerTraits traits, String method,
            Supplier<PathContainer> pathWithinApplication) {
        return routes.protectionOf(method, pathWithinApplication, traits.annotation());
    }

    /** Whether the body of a request with a key is read before the handler with {@code traits} binds it. */
    public static boolean readsBody(HandlerTraits traits, IdempotentRoutes.Protection protection) {
        return !traits.streaming() && protection != IdempotentRoutes.Protection.NONE;
    }

    /**
     * The scoped key a request to a protected handler claims, or {@code null} when it runs
     * unprotected without one. A refusal is counted as rejected.
     *
     * @param headerLines the request's lines of the key header; {@code null} or empty when it has none
     * @param bodyWithinLimit throws {@link RequestTooLargeException} when the body is larger than the limit
     * @param scope the request's scope, asked for once the key is valid
     * @throws MissingIdempotencyKeyException when the route requires a key and there is none
     * @throws InvalidIdempotencyKeyException when the key header is malformed or the key is not in
     *     the expected format
     * @throws UnreplayableResponseException when the handler streams
     * @throws RequestTooLargeException when the body is too large to fingerprint
     * @throws MissingIdempotencyScopeException when the request carries no scope
     */
    public IdempotencyKey keyOf(IdempotentRoutes.Protection protection, HandlerTraits traits,
            Iterator<String> headerLines, Runnable bodyWithinLimit, Supplier<String> scope) {
        try {
            String key = header.parse(headerLines);
            if (key == null) {
                if (protection == IdempotentRoutes.Protection.KEY_REQUIRED) {
                    throw new MissingIdempotencyKeyException("This operation requires an " + header.name()
                            + " header: send a unique key, for example a UUID, and reuse it when you retry.");
                }
                return null;
            }
            if (traits.streaming()) {
                throw new UnreplayableResponseException(IdempotencyProblem.STREAMING_NOT_SUPPORTED, "This operation "
                        + "streams its response, which cannot be stored and replayed; send it without an "
                        + "idempotency key.");
            }
            keyValidator.validate(key);
            bodyWithinLimit.run();
            return new IdempotencyKey(HTTP_SCOPE + scope.get(), key);
        }
        catch (RuntimeException ex) {
            keeper.rejected();
            throw ex;
        }
    }

    /** Counts a request refused before it could claim, such as one whose body cannot be read. */
    public void rejected() {
        keeper.rejected();
    }

    /**
     * Claims {@code key} for the handler with {@code traits}.
     *
     * @param fingerprint the request's fingerprint; a refusal to compute it is counted as rejected
     * @return whether the handler runs, under which claim, or which stored response it replays
     * @throws UnreplayableResponseException when the key's request was processed without a
     *     response to replay (too large to keep, its writing failed, or never stored after its
     *     transaction committed)
     * @throws dev.idempotency.engine.IdempotencyException when the key is in progress or was
     *     used for another request
     * @throws dev.idempotency.storage.IdempotencyStorageException when the storage cannot answer
     *     and the keeper fails closed (failing open, the handler runs unprotected)
     */
    public Admission claim(IdempotencyKey key, Supplier<RequestFingerprint> fingerprint, HandlerTraits traits) {
        RequestFingerprint requestFingerprint = fingerprintOrRejected(fingerprint);
        ClaimOutcome outcome;
        try {
            outcome = keeper.claim(key, requestFingerprint, traits.options());
        }
        catch (IdempotentResultNotReplayableException ex) {
            throw committedWithoutResponse();
        }
        return admissionOf(outcome);
    }

    /**
     * {@link #claim} without blocking the calling thread ({@link IdempotencyKeeper#claimAsync}):
     * the stage completes with its admission, or exceptionally with its refusal.
     */
    public CompletionStage<Admission> claimAsync(IdempotencyKey key, Supplier<RequestFingerprint> fingerprint,
            HandlerTraits traits) {
        RequestFingerprint requestFingerprint;
        try {
            requestFingerprint = fingerprintOrRejected(fingerprint);
        }
        catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
        return keeper.claimAsync(key, requestFingerprint, traits.options())
                .exceptionallyCompose(failure -> CompletableFuture.failedFuture(
                        unwrap(failure) instanceof IdempotentResultNotReplayableException ? committedWithoutResponse()
                                : unwrap(failure)))
                .thenApply(HandlerAdmission::admissionOf);
    }

    /**
     * What a request's fingerprint starts with on every web stack: its method, its path and its
     * query as sent (undecoded), or {@code null} for none. The stack adds the body.
     */
    public static RequestFingerprint.Builder fingerprintOf(String method, String rawPath, String rawQuery) {
        return RequestFingerprint.builder().add(method).add(rawPath).add(rawQuery);
    }

    private RequestFingerprint fingerprintOrRejected(Supplier<RequestFingerprint> fingerprint) {
        try {
            return fingerprint.get();
        }
        catch (RuntimeException ex) {
            keeper.rejected();
            throw ex;
        }
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private static UnreplayableResponseException committedWithoutResponse() {
        // The key's handler committed its transaction, and then its response was never stored.
        return new UnreplayableResponseException(IdempotencyProblem.RESPONSE_NOT_REPLAYABLE, "The request with this "
                + "key was processed, but its response was not stored. It will not run again; look its result up "
                + "instead.");
    }

    private static Admission admissionOf(ClaimOutcome outcome) {
        if (outcome instanceof ClaimOutcome.Replay replay) {
            StoredResponse stored = StoredResponse.decode(replay.result());
            if (!stored.replayable()) {
                throw new UnreplayableResponseException(IdempotencyProblem.RESPONSE_NOT_REPLAYABLE, "The request with "
                        + "this key was processed (status " + stored.status() + "), but its response was not kept for "
                        + "replay. It will not run again; look its result up instead.");
            }
            return new Admission(stored, null);
        }
        return new Admission(null, outcome instanceof OwnedKey owned ? owned : null);
    }

    private ClaimOptions claimOptions(Idempotent annotation) {
        InProgress mode = annotation == null ? InProgress.DEFAULT : annotation.inProgress();
        Takeover takeover = annotation == null ? Takeover.DEFAULT : annotation.takeover();
        return ClaimOptions.DEFAULTS.withWait(mode.waitTime(inProgress, waitTimeout)).withTakeover(takeover);
    }

    private record HandlerKey(Class<?> beanType, Method method) {
    }

    /**
     * What never changes for one handler method.
     *
     * @param annotation its {@link Idempotent}, or {@code null} when it has none
     * @param streaming whether it streams its response
     * @param options what its claims ask of the keeper: the annotation's in-progress mode and
     *     takeover over the configured ones
     */
    public record HandlerTraits(Idempotent annotation, boolean streaming, ClaimOptions options) {
    }

    /**
     * What a claim decided.
     *
     * @param replay the stored response to answer with instead of running the handler, or {@code null}
     * @param owned the claim the handler runs under, or {@code null} when it runs unprotected or replays
     */
    public record Admission(StoredResponse replay, OwnedKey owned) {
    }
}
