package dev.idempotency.web;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.web.util.ContentCachingResponseWrapper;

import dev.idempotency.engine.OwnedKey;
import dev.idempotency.engine.RequestFingerprint;
import dev.idempotency.engine.ResultWriter;

/**
 * The idempotency state of one request that carries a key, kept as a request attribute from the
 * filter, through the handler's claim, to the end of the (possibly async) exchange.
 */
final class IdempotentExchange {

    private static final Logger logger = LoggerFactory.getLogger(IdempotentExchange.class);
    private static final String ATTRIBUTE = IdempotentExchange.class.getName();

    private final byte[] body;
    private final long tooLargeAbove;
    private final AtomicReference<OwnedKey> owned = new AtomicReference<>();

    /**
     * @param body the request body, or {@code null} for a form whose parameters stand for it
     * @param tooLargeAbove the limit the body exceeded, or -1 when it is within limits
     */
    private IdempotentExchange(byte[] body, long tooLargeAbove) {
        this.body = body;
        this.tooLargeAbove = tooLargeAbove;
    }

    /** Starts the exchange of a request whose body (or, for {@code null}, form) is fingerprinted. */
    static IdempotentExchange start(HttpServletRequest request, byte[] body) {
        return start(request, new IdempotentExchange(body, -1));
    }

    /** Starts the exchange of a request whose body is larger than {@code limit}: it cannot claim a key. */
    static IdempotentExchange startTooLarge(HttpServletRequest request, long limit) {
        return start(request, new IdempotentExchange(null, limit));
    }

    private static IdempotentExchange start(HttpServletRequest request, IdempotentExchange exchange) {
        request.setAttribute(ATTRIBUTE, exchange);
        return exchange;
    }

    static IdempotentExchange of(HttpServletRequest request) {
        return (IdempotentExchange) request.getAttribute(ATTRIBUTE);
    }

    /** @throws RequestTooLargeException when the body exceeds the limit */
    void requireBodyWithinLimit() {
        if (tooLargeAbove >= 0) {
            throw new RequestTooLargeException("The request body is larger than " + tooLargeAbove
                    + " bytes, the most this operation accepts with an idempotency key.");
        }
    }

    /** SHA-256 over method, path, query and body (for a form, its sorted parameters). */
    RequestFingerprint fingerprint(HttpServletRequest request) {
        RequestFingerprint.Builder fingerprint = RequestFingerprint.builder()
                .add(request.getMethod())
                .add(request.getRequestURI())
                .add(request.getQueryString());
        if (body != null) {
            return fingerprint.add(body).build();
        }
        Map<String, String[]> parameters;
        try {
            parameters = new TreeMap<>(request.getParameterMap());
        }
        catch (RuntimeException ex) {
            // Fingerprinting fewer parameters than were sent could replay one request's answer to another.
            throw new UnreadableRequestBodyException("The form body cannot be decoded; send well-formed "
                    + "application/x-www-form-urlencoded content.");
        }
        for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
            fingerprint.add(parameter.getKey());
            for (String value : parameter.getValue()) {
                fingerprint.add(value);
            }
        }
        return fingerprint.build();
    }

    void own(OwnedKey key) {
        owned.set(key);
    }

    /** The handler's claim, until it ends; {@code null} when there is none. */
    OwnedKey ownedKey() {
        return owned.get();
    }

    /** Whether the handler claimed the key and the claim has not ended yet. */
    boolean ownsKey() {
        return owned.get() != null;
    }

    /** The handler failed with an exception: release the key so a retry runs again. */
    void fail(Throwable failure) {
        OwnedKey key = owned.getAndSet(null);
        if (key != null) {
            key.releaseAfter(failure);
        }
    }

    /** The exchange ended without a response to store (an async request that failed): release the key. */
    void abandon() {
        OwnedKey key = owned.getAndSet(null);
        if (key != null) {
            release(key, "an async request that ended without its result");
        }
    }

    /**
     * The response is complete: store it when the policy says so (a response above
     * {@code maxResponseSize} as its status alone), else release the key.
     */
    void finish(ContentCachingResponseWrapper response, ResponseStoragePolicy policy, ReplayedHeaders replayed,
            long maxResponseSize) {
        OwnedKey key = owned.getAndSet(null);
        if (key == null) {
            return;
        }
        int status = response.getStatus();
        if (policy.stores(status)) {
            if (response.getContentSize() > maxResponseSize) {
                key.complete(StoredResponse.notReplayable(status).encode());
                return;
            }
            ResultWriter stored = StoredResponse.captured(status, replayed.capture(response), response);
            key.complete(stored);
            return;
        }
        release(key, "a " + status + " response");
    }

    private static void release(OwnedKey key, String after) {
        try {
            key.release();
        }
        catch (RuntimeException ex) {
            logger.warn("Could not release idempotency key {} after {}; it stays in progress until its lease ends",
                    key.logId(), after, ex);
        }
    }
}
