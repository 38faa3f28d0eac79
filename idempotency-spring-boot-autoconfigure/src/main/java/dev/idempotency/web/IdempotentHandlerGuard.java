package dev.idempotency.web;

import java.io.IOException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.context.request.async.WebAsyncUtils;
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
 * Decides, as a handler method is about to start, whether it runs: claims the request's key when
 * the route is protected. Called after Spring MVC has bound and validated the arguments, so a
 * request refused before the handler starts never claims a key.
 *
 * <p>Protection is decided here, once the handler is known, and not in the filter: the filter
 * would need a second handler lookup for every request with a key. So the filter only marks the
 * exchange; {@link #prepare} reads the body of a protected request before its arguments are
 * bound, and the claim switches the response to a capture. A request to a handler that is not
 * protected is read and written by the container alone, as if it had no key.
 */
public final class IdempotentHandlerGuard {

    /** Namespaces HTTP keys, so they never meet keys of bean methods or of the template. */
    public static final String HTTP_SCOPE = "http:";

    private final IdempotencyKeeper keeper;
    private final IdempotentRoutes routes;
    private final IdempotencyKeyHeader header;
    private final IdempotencyKeyValidator keyValidator;
    private final IdempotencyScopeResolver scopeResolver;
    private final InProgress inProgress;
    private final Duration waitTimeout;
    private final int maxRequestBytes;
    private final Map<HandlerKey, HandlerTraits> handlerTraits = new ConcurrentHashMap<>();

    /**
     * @param inProgress what a duplicate of a running request gets unless its handler says otherwise
     * @param waitTimeout the longest a duplicate waits under {@link InProgress#WAIT}
     * @param maxRequestBytes the largest request body fingerprinted; a larger one is refused with 413
     */
    public IdempotentHandlerGuard(IdempotencyKeeper keeper, IdempotentRoutes routes, IdempotencyKeyHeader header,
            IdempotencyKeyValidator keyValidator, IdempotencyScopeResolver scopeResolver, InProgress inProgress,
            Duration waitTimeout, int maxRequestBytes) {
        this.keeper = keeper;
        this.routes = routes;
        this.header = header;
        this.keyValidator = keyValidator;
        this.scopeResolver = scopeResolver;
        this.inProgress = inProgress;
        this.waitTimeout = waitTimeout;
        this.maxRequestBytes = maxRequestBytes;
    }

    /**
     * The request {@code handler} binds its arguments from. For a protected handler of a request
     * with a key, one whose body was read to fingerprint it; any other request as it is.
     *
     * @throws UnreadableRequestBodyException when a protected request's form cannot be decoded
     */
    public HttpServletRequest prepare(HttpServletRequest request, HandlerMethod handler) throws IOException {
        IdempotentExchange exchange = IdempotentExchange.of(request);
        if (exchange == null || request.getDispatcherType() == DispatcherType.ERROR) {
            return request;
        }
        if (request.getDispatcherType() == DispatcherType.ASYNC
                && !(WebAsyncUtils.getAsyncManager(request).getConcurrentResult() instanceof Throwable)) {
            // The async work returned a value: it ran, whatever becomes of writing it.
            exchange.handlerReturned();
        }
        HandlerTraits traits = traitsOf(handler);
        if (traits.streaming() || routes.protectionOf(request, traits.annotation()) == IdempotentRoutes.Protection.NONE) {
            return request;
        }
        try {
            return exchange.fingerprintSource().withBody(request, maxRequestBytes);
        }
        catch (UnreadableRequestBodyException ex) {
            keeper.rejected();
            throw ex;
        }
    }

    /**
     * Handling {@code request} failed with an exception Spring MVC answers itself. When its
     * handler had returned, the work ran and its key is recorded as processed, never run again.
     */
    public void handlingFailed(HttpServletRequest request) {
        IdempotentExchange exchange = IdempotentExchange.of(request);
        if (exchange != null) {
            exchange.responseFailed();
        }
    }

    /**
     * Claims the key of {@code request} for {@code handler} when its route is protected.
     *
     * @return the stored response to replay instead of running the handler, or {@code null} when
     *     the handler is to run (the claim, if any, is recorded for the filter to end; a handler
     *     reached by a forward from the one that claimed runs under that claim)
     * @throws MissingIdempotencyKeyException when the route requires a key and there is none
     * @throws InvalidIdempotencyKeyException when the key header is malformed or the key is not
     *     in the expected format
     * @throws MissingIdempotencyScopeException when the request carries no scope
     * @throws RequestTooLargeException when the body is too large to fingerprint
     * @throws UnreadableRequestBodyException when a multipart body cannot be parsed to fingerprint it
     * @throws UnreplayableResponseException when the handler streams, or the key's request was
     *     processed without a response to replay (too large to keep, its writing failed, or never
     *     stored after its transaction committed)
     * @throws dev.idempotency.engine.IdempotencyException when the key is in progress or was
     *     used for another request
     * @throws dev.idempotency.storage.IdempotencyStorageException when the storage cannot answer
     *     and the keeper fails closed (failing open, the handler runs unprotected)
     */
    public StoredResponse admit(HttpServletRequest request, HandlerMethod handler) {
        if (request.getDispatcherType() == DispatcherType.ERROR) {
            // An error page is not the operation the client asked for, whatever path patterns it matches.
            return null;
        }
        HandlerTraits traits = traitsOf(handler);
        Idempotent annotation = traits.annotation();
        IdempotentRoutes.Protection protection = routes.protectionOf(request, annotation);
        if (protection == IdempotentRoutes.Protection.NONE) {
            return null;
        }
        IdempotentExchange exchange = IdempotentExchange.of(request);
        if (exchange != null && !exchange.admit()) {
            return null;
        }
        IdempotencyKey scopedKey;
        RequestFingerprint fingerprint;
        try {
            scopedKey = admissibleKey(request, traits, protection, exchange);
            if (scopedKey == null) {
                return null;
            }
            fingerprint = exchange.fingerprintSource().fingerprint(request);
        }
        catch (RuntimeException ex) {
            keeper.rejected();
            throw ex;
        }
        ClaimOutcome outcome;
        try {
            outcome = keeper.claim(scopedKey, fingerprint, traits.options());
        }
        catch (IdempotentResultNotReplayableException ex) {
            // The key's handler committed its transaction, and then its response was never stored.
            throw new UnreplayableResponseException(IdempotencyProblem.RESPONSE_NOT_REPLAYABLE, "The request with this "
                    + "key was processed, but its response was not stored. It will not run again; look its result up "
                    + "instead.");
        }
        if (outcome instanceof ClaimOutcome.Replay replay) {
            StoredResponse stored = StoredResponse.decode(replay.result());
            if (!stored.replayable()) {
                throw new UnreplayableResponseException(IdempotencyProblem.RESPONSE_NOT_REPLAYABLE, "The request with "
                        + "this key was processed (status " + stored.status() + "), but its response was not kept for "
                        + "replay. It will not run again; look its result up instead.");
            }
            return stored;
        }
        if (outcome instanceof OwnedKey owned) {
            exchange.own(owned);
        }
        return null;
    }

    /** The scoped key of a request that may claim, or {@code null} when it runs unprotected without one. */
    private IdempotencyKey admissibleKey(HttpServletRequest request, HandlerTraits traits,
            IdempotentRoutes.Protection protection, IdempotentExchange exchange) {
        String key = exchange == null ? null : header.parse(request.getHeaders(header.name()));
        if (key == null) {
            if (protection == IdempotentRoutes.Protection.KEY_REQUIRED) {
                throw new MissingIdempotencyKeyException("This operation requires an " + header.name()
                        + " header: send a unique key, for example a UUID, and reuse it when you retry.");
            }
            return null;
        }
        if (traits.streaming()) {
            throw new UnreplayableResponseException(IdempotencyProblem.STREAMING_NOT_SUPPORTED, "This operation "
                    + "streams its response, which cannot be stored and replayed; send it without an idempotency key.");
        }
        keyValidator.validate(key);
        exchange.fingerprintSource().requireBodyWithinLimit(request, maxRequestBytes);
        return new IdempotencyKey(HTTP_SCOPE + scopeResolver.scopeOf(request), key);
    }

    /**
     * The handler's traits, looked up on its first request only. Keyed by bean type as well as
     * method: a generic return type, and so whether the handler streams, depends on the bean type.
     */
    private HandlerTraits traitsOf(HandlerMethod handler) {
        HandlerKey key = new HandlerKey(handler.getBeanType(), handler.getMethod());
        HandlerTraits traits = handlerTraits.get(key);
        if (traits == null) {
            traits = handlerTraits.computeIfAbsent(key, absent -> {
                Idempotent annotation = AnnotatedElementUtils.findMergedAnnotation(handler.getMethod(), Idempotent.class);
                return new HandlerTraits(annotation, StreamingHandlers.isStreaming(handler), claimOptions(annotation));
            });
        }
        return traits;
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
    private record HandlerTraits(Idempotent annotation, boolean streaming, ClaimOptions options) {
    }

    private ClaimOptions claimOptions(Idempotent annotation) {
        InProgress mode = annotation == null ? InProgress.DEFAULT : annotation.inProgress();
        Takeover takeover = annotation == null ? Takeover.DEFAULT : annotation.takeover();
        return ClaimOptions.DEFAULTS.withWait(mode.waitTime(inProgress, waitTimeout)).withTakeover(takeover);
    }
}
